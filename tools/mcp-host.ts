/**
 * The kernel's `mcp_resources()`, `read_resource(uri)`, `mcp_prompts()` and `get_prompt(name, **args)`
 * (tools/prelude-mcp.py), answered here over every connected server. They are host tools like any
 * other (the stdin bridge, recorded in the cell, answered from the record on replay), with fixed
 * call names and no generated stub. Lists and contents are servers' words: cleaned and bounded.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DynamicStructuredTool, type StructuredToolInterface } from "@langchain/core/tools";
import { z } from "zod";
import { boundToolResult, cleanText } from "./bounds";
import { boundWire, cleanStructured, MCP_WIRE_VERSION, wireBlock, wireResourceContents } from "./mcp-content";
import { CodeActError } from "../errors";

export interface ConnectedServer {
  server: string;
  client: Client;
}

/** The call names the prelude's helpers send (tools/prelude-mcp.py); no tool of a source can take them first (they are added before any). */
export const MCP_HELPERS = {
  resources: "codeact:mcp_resources",
  read: "codeact:read_resource",
  prompts: "codeact:mcp_prompts",
  prompt: "codeact:get_prompt",
} as const;

/** The lines the model reads for the helpers, beside the tools' own. */
export const MCP_HELPER_SIGNATURES: Record<keyof typeof MCP_HELPERS, string> = {
  resources: "mcp_resources() — the MCP servers' resources (and resource templates): a list of dicts with server, uri (or uri_template), name, description, mime_type",
  read: "read_resource(uri: str, server: str = None) — reads an MCP resource: McpResource (.text or .data bytes), or a list of them",
  prompts: "mcp_prompts() — the MCP servers' prompts: a list of dicts with server, name, description, arguments",
  prompt: "get_prompt(name: str, server: str = None, /, **arguments) — an MCP prompt filled in: McpPrompt (.messages, each with .role and .content; str() gives its text)",
};

/** Entries a list may hold per server: a server listing a million resources must not fill the kernel. */
const MAX_LISTED = 1_000;
const MAX_PAGES = 20;

const cut = (text: unknown, max: number) => {
  const clean = cleanText(typeof text === "string" ? text : "");
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
};

async function pages<T>(fetch: (cursor?: string) => Promise<{ items: T[]; nextCursor?: string }>): Promise<{ items: T[]; more: boolean }> {
  const items: T[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const got = await fetch(cursor);
    items.push(...got.items);
    cursor = got.nextCursor;
    if (!cursor || items.length >= MAX_LISTED) break;
  }
  return { items: items.slice(0, MAX_LISTED), more: !!cursor || items.length > MAX_LISTED };
}

const has = (s: ConnectedServer, what: "resources" | "prompts") => !!s.client.getServerCapabilities()?.[what];

const failure = (s: ConnectedServer, err: unknown) => `MCP server "${cleanText(s.server)}": ${cut(err instanceof Error ? err.message : String(err), 500)}`;

type Resource = { uri?: unknown; name?: unknown; title?: unknown; description?: unknown; mimeType?: unknown; uriTemplate?: unknown };

async function listResources(servers: ConnectedServer[]): Promise<unknown[]> {
  const out: unknown[] = [];
  for (const s of servers.filter((x) => has(x, "resources"))) {
    const server = cleanText(s.server);
    const fixed = await pages<Resource>(async (cursor) => {
      const r = await s.client.listResources(cursor ? { cursor } : undefined);
      return { items: r.resources as Resource[], nextCursor: r.nextCursor };
    });
    for (const r of fixed.items) out.push({ server, uri: cut(r.uri, 2_048), name: cut(r.title ?? r.name, 200), description: cut(r.description, 1_000), mime_type: cut(r.mimeType, 200) });
    // Templates are optional in MCP: a server without them answers "method not found".
    const templates = await pages<Resource>(async (cursor) => {
      const r = await s.client.listResourceTemplates(cursor ? { cursor } : undefined);
      return { items: r.resourceTemplates as Resource[], nextCursor: r.nextCursor };
    }).catch(() => ({ items: [] as Resource[], more: false }));
    for (const t of templates.items) out.push({ server, uri_template: cut(t.uriTemplate, 2_048), name: cut(t.title ?? t.name, 200), description: cut(t.description, 1_000), mime_type: cut(t.mimeType, 200) });
    if (fixed.more || templates.more) out.push({ server, note: `only the first ${MAX_LISTED} are listed` });
  }
  return out;
}

function named(servers: ConnectedServer[], server: string | undefined): ConnectedServer | undefined {
  if (server === undefined) return undefined;
  const found = servers.find((s) => s.server === server);
  if (!found) throw new CodeActError("tool", `no MCP server named ${JSON.stringify(cut(server, 64))}; the servers are ${servers.map((s) => JSON.stringify(cleanText(s.server))).join(", ")}`);
  return found;
}

/** Which server a URI belongs to: the one named; else the only one with resources; else the one listing it (or a template it fits). */
async function serverOf(servers: ConnectedServer[], uri: string, server?: string): Promise<ConnectedServer> {
  const chosen = named(servers, server);
  if (chosen) return chosen;
  const candidates = servers.filter((s) => has(s, "resources"));
  if (candidates.length === 1) return candidates[0]!;
  if (!candidates.length) throw new CodeActError("tool", "no MCP server of this run offers resources");
  for (const entry of (await listResources(candidates)) as { server: string; uri?: string; uri_template?: string }[]) {
    const prefix = entry.uri_template?.split("{")[0];
    if (entry.uri === uri || (prefix && uri.startsWith(prefix))) return candidates.find((s) => cleanText(s.server) === entry.server) ?? candidates[0]!;
  }
  throw new CodeActError("tool", `no MCP server lists the resource ${JSON.stringify(cut(uri, 200))}; pass server= (one of ${candidates.map((s) => JSON.stringify(cleanText(s.server))).join(", ")})`);
}

async function readResource(servers: ConnectedServer[], uri: string, server?: string) {
  const s = await serverOf(servers, uri, server);
  let result;
  try {
    result = await s.client.readResource({ uri });
  } catch (err) {
    throw new CodeActError("tool", failure(s, err));
  }
  return boundWire({ codeact_mcp: MCP_WIRE_VERSION, server: cleanText(s.server), content: wireResourceContents(result.contents) });
}

type Prompt = { name?: unknown; title?: unknown; description?: unknown; arguments?: { name?: unknown; description?: unknown; required?: unknown }[] };

async function listPrompts(servers: ConnectedServer[]): Promise<{ server: string; name: string; raw: string }[] & unknown[]> {
  const out: { server: string; name: string; raw: string; [k: string]: unknown }[] = [];
  for (const s of servers.filter((x) => has(x, "prompts"))) {
    const listed = await pages<Prompt>(async (cursor) => {
      const r = await s.client.listPrompts(cursor ? { cursor } : undefined);
      return { items: r.prompts as Prompt[], nextCursor: r.nextCursor };
    });
    for (const p of listed.items) {
      out.push({
        server: cleanText(s.server),
        name: cut(p.name, 200),
        raw: typeof p.name === "string" ? p.name : "",
        title: cut(p.title, 200),
        description: cut(p.description, 2_000),
        arguments: (Array.isArray(p.arguments) ? p.arguments : []).slice(0, 50).map((a) => ({ name: cut(a?.name, 200), description: cut(a?.description, 1_000), required: a?.required === true })),
      });
    }
  }
  return out;
}

async function getPrompt(servers: ConnectedServer[], name: string, args: Record<string, string>, server?: string) {
  const chosen = named(servers, server);
  // The kernel knows prompts by their cleaned names: the request carries the server's own.
  const offering = (await listPrompts(chosen ? [chosen] : servers)).filter((p) => p.raw === name || p.name === name);
  const owners = [...new Set(offering.map((p) => p.server))];
  if (owners.length > 1) throw new CodeActError("tool", `several MCP servers have a prompt ${JSON.stringify(cut(name, 200))} (${owners.map((o) => JSON.stringify(o)).join(", ")}); pass the server as the second argument`);
  if (!owners.length && !chosen) throw new CodeActError("tool", `no MCP server has a prompt ${JSON.stringify(cut(name, 200))}; mcp_prompts() lists them`);
  const s = chosen ?? servers.find((x) => cleanText(x.server) === owners[0])!;
  const raw = offering.find((p) => p.raw === name)?.raw ?? offering[0]?.raw ?? name;
  let result;
  try {
    result = await s.client.getPrompt({ name: raw, arguments: args });
  } catch (err) {
    throw new CodeActError("tool", failure(s, err));
  }
  const messages = (Array.isArray(result.messages) ? result.messages : []).map((m) => ({ role: m?.role === "assistant" ? "assistant" : "user", content: wireBlock(m?.content) }));
  // Bounded as a tool result is: each message's block counts like one of a result's blocks.
  const bounded = boundWire({ content: messages.map((m) => m.content) });
  return {
    codeact_mcp_prompt: MCP_WIRE_VERSION,
    server: cleanText(s.server),
    name: cut(name, 200),
    description: cut(result.description, 2_000),
    messages: messages.map((m, i) => ({ role: m.role, content: bounded.content[i] })),
  };
}

function helper(name: string, description: string, schema: z.ZodObject, run: (args: never) => Promise<unknown>): StructuredToolInterface {
  return new DynamicStructuredTool({ name, description, schema, func: async (args) => cleanStructured(await run(args as never)) as never });
}

/** The four helpers over `servers`, in the order of MCP_HELPERS. */
export function mcpHelperTools(servers: ConnectedServer[]): StructuredToolInterface[] {
  return [
    helper(MCP_HELPERS.resources, MCP_HELPER_SIGNATURES.resources, z.object({}), async () => boundToolResult(await listResources(servers))),
    helper(MCP_HELPERS.read, MCP_HELPER_SIGNATURES.read, z.object({ uri: z.string().min(1).max(2_048), server: z.string().max(64).optional() }), ({ uri, server }: { uri: string; server?: string }) => readResource(servers, uri, server)),
    helper(MCP_HELPERS.prompts, MCP_HELPER_SIGNATURES.prompts, z.object({}), async () => boundToolResult((await listPrompts(servers)).map(({ raw: _raw, ...p }) => p))),
    helper(
      MCP_HELPERS.prompt,
      MCP_HELPER_SIGNATURES.prompt,
      z.object({ name: z.string().min(1).max(200), server: z.string().max(64).optional(), arguments: z.record(z.string(), z.string().max(100_000)).default({}) }),
      ({ name, server, arguments: args }: { name: string; server?: string; arguments: Record<string, string> }) => getPrompt(servers, name, args, server),
    ),
  ];
}
