/**
 * MCP servers as kernel tools: each server's tools (tools/mcp-tools.ts) and, over all of them, the
 * kernel's resource and prompt helpers (tools/mcp-host.ts). The config is the usual
 * `{ "mcpServers": { name: { command, args, env, cwd } | { url, headers, transport } } }`.
 * Each server gets its own client, so a server that fails to start is named in the error and the
 * ones already started are closed again. An MCP server is someone else's program: its tool names,
 * descriptions and results are hostile input, so names become unique Python identifiers and
 * results are cleaned and bounded before they reach the kernel (and the checkpoints).
 */
import { MultiServerMCPClient } from "@langchain/mcp-adapters";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { StructuredToolInterface } from "@langchain/core/tools";
import type { McpConfig, McpServerConfig as ServerConfig } from "./mcp-config";
import { ToolSourceError } from "./modules";
import { freeName, type Rename, sanitizeIdentifier } from "./names";
import { boundToolResult, cleanText } from "./bounds";
import { boundReplies } from "./mcp-stdio";
import { killGroup, leadsGroup, ownGroup } from "./mcp-group";
import { kernelTool, type ListedTool, listTools, MAX_TOOLS_PER_SERVER } from "./mcp-tools";
import { type ConnectedServer, mcpHelperTools } from "./mcp-host";
import { CodeActError } from "../errors";

/** Start-up (spawn, handshake, tool list) of one server; a server that hangs must not hang the run. */
const START_TIMEOUT_MS = Number(process.env.CODEACT_MCP_START_TIMEOUT_MS ?? 30_000);
export { MAX_TOOLS_PER_SERVER } from "./mcp-tools";

/** The adapter's connection for an HTTP server (streamable HTTP, falling back to SSE). */
function httpConnection(server: Extract<ServerConfig, { url: string }>) {
  const kind = server.transport ?? server.type;
  return { url: server.url, headers: server.headers, transport: kind === "sse" ? ("sse" as const) : ("http" as const) };
}

/** Also ends when `signal` aborts (the run was paused): a person must not wait out the start-up limit. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string, signal?: AbortSignal): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let onAbort = () => undefined as void;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new CodeActError("tool", `${what} did not answer within ${Math.round(ms / 1000)} s`)), ms);
    onAbort = () => reject(new CodeActError("tool", "start-up was stopped (the run was paused)"));
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  });
}

/** The adapter's messages repeat themselves ("Failed to connect to stdio server "x": MCPClientError: …"); the first line is enough. */
function reason(err: unknown): string {
  const text = cleanText(err instanceof Error ? err.message : String(err)).split("\n")[0]!;
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

/** Why a server did not start, in words a user can act on (the adapter's own text kept in brackets). */
function startFailure(err: unknown, server: ServerConfig): string {
  const text = reason(err).replace(/^Failed to connect to [^"]*"[^"]*":\s*/, "");
  if (/ENOENT/.test(text)) return `no such command (${text}); check the path or that it is installed`;
  if (/EACCES/.test(text)) return `the command cannot be run (${text})`;
  if (/Connection closed/i.test(text)) return `it exited or closed its output before answering (${text}); its own messages, if any, are above`;
  if (/fetch failed|ECONNREFUSED/i.test(text)) return `nothing answered at that address (${text}); is the server running?`;
  if ("url" in server && /\b40[13]\b/.test(text)) return `the server refused the request (${text}); check the headers (e.g. Authorization) in the config`;
  return text;
}

interface ServerTools {
  server: string;
  client: Client;
  tools: ListedTool[];
  close(): Promise<void>;
}

const LOAD_OPTIONS = { throwOnLoadError: true, prefixToolNameWithServerName: false, additionalToolNamePrefix: "" };

/**
 * A stdio server on a transport we hold ourselves (the adapter's client keeps a half-started one to
 * itself): whatever happens during start-up, a timeout included, close() stops the child process.
 */
async function startStdio(name: string, server: Extract<ServerConfig, { command: string }>, signal?: AbortSignal): Promise<ServerTools> {
  // MCP's safe default environment (HOME, PATH, …) plus the config's: never this process's secrets.
  const env = { ...getDefaultEnvironment(), ...server.env };
  const transport = new StdioClientTransport({ ...ownGroup(server.command, server.args, env, server.cwd), env, cwd: server.cwd, stderr: "inherit" });
  boundReplies(transport);
  const client = new Client({ name: "codeact", version: "1" });
  let pid: number | null = null;
  let group = false;
  const close = async () => {
    pid ??= transport.pid;
    group ||= leadsGroup(pid);
    await client.close().catch(() => transport.close().catch(() => undefined));
    // What the server started and left running (a daemon it forked) goes with it.
    if (group) killGroup(pid!);
  };
  try {
    const tools = await withTimeout(
      (async () => {
        await client.connect(transport);
        // Read while it runs: a server that dies later still leaves its group to stop.
        pid = transport.pid;
        group = leadsGroup(pid);
        return listTools(client);
      })(),
      START_TIMEOUT_MS,
      "it",
      signal,
    );
    return { server: name, client, tools, close };
  } catch (err) {
    await close();
    throw err;
  }
}

async function startHttp(name: string, server: Extract<ServerConfig, { url: string }>, signal?: AbortSignal): Promise<ServerTools> {
  const client = new MultiServerMCPClient({ mcpServers: { [name]: httpConnection(server) }, onConnectionError: "throw", ...LOAD_OPTIONS } as ConstructorParameters<typeof MultiServerMCPClient>[0]);
  const close = () => client.close().catch(() => undefined);
  try {
    return await withTimeout(
      (async () => {
        // The adapter connects (streamable HTTP, falling back to SSE); the calls go through the SDK's client it made.
        const sdk = (await client.getClient(name)) as Client | undefined;
        if (!sdk) throw new Error("no connection was made");
        return { server: name, client: sdk, tools: await listTools(sdk), close };
      })(),
      START_TIMEOUT_MS,
      "it",
      signal,
    );
  } catch (err) {
    await close();
    throw err;
  }
}

async function startServer(name: string, server: ServerConfig, signal?: AbortSignal): Promise<ServerTools> {
  try {
    const started = "command" in server ? await startStdio(name, server, signal) : await startHttp(name, server, signal);
    if (started.tools.length > MAX_TOOLS_PER_SERVER) {
      await started.close();
      throw new CodeActError("tool", `it lists ${started.tools.length} tools; at most ${MAX_TOOLS_PER_SERVER} are supported`);
    }
    return started;
  } catch (err) {
    const what = "command" in server ? `command "${server.command}"` : `URL ${server.url}`;
    const why = startFailure(err, server);
    throw new ToolSourceError(`MCP server "${name}" (${what}) failed to start: ${why}${/[.?!]$/.test(why) ? "" : "."}`);
  }
}

/** A call's error as the model reads it: a server that is gone is said to be gone, not "Not connected". */
function callFailure(server: string, err: unknown): string {
  const why = reason(err);
  if (/(^|: )(Not connected|Connection closed)$/i.test(why)) {
    return `the MCP server "${cleanText(server)}" is no longer running (${why}): it exited or closed its connection, so its tools cannot be called for the rest of this run; carry on without them`;
  }
  return boundToolResult(why) as string;
}

/**
 * Unique Python names: a tool keeps its own name when no other tool has it and the kernel does not
 * keep it for itself (tools/names.ts); names that collide (across servers, or with `taken`) or are
 * reserved get the server's name in front ("github__search", "files__open"), each with the reason.
 */
export function assignToolNames(servers: { server: string; tools: { name: string }[] }[], taken: Iterable<string>): { name: string; rename?: Rename }[][] {
  const used = new Set(taken);
  const count = new Map<string, number>();
  for (const s of servers) for (const t of s.tools) count.set(sanitizeIdentifier(t.name), (count.get(sanitizeIdentifier(t.name)) ?? 0) + 1);
  return servers.map((s) =>
    s.tools.map((t) => {
      const own = sanitizeIdentifier(t.name);
      // Two servers offering the same name: neither keeps it, so neither depends on start-up order.
      const shared = count.get(own)! > 1;
      const named = freeName(t.name, `${s.server}__`, (id) => used.has(id) || (shared && id === own));
      used.add(named.name);
      return named;
    }),
  );
}

export interface McpTools {
  tools: StructuredToolInterface[];
  /** For each tool (same order), why its name is not the server's, if it is not. */
  renames: (Rename | undefined)[];
  /** The kernel's mcp_resources / read_resource / mcp_prompts / get_prompt, over every server (tools/mcp-host.ts). */
  helpers: StructuredToolInterface[];
  /** Closes every client (stdio servers are stopped). Safe to call twice. */
  close(): Promise<void>;
}

/** Starts every server in `config` (in parallel) and returns their tools; `taken` are Python names already in use. */
/** `signal`: stops the start-up (the run was paused); whatever had started is closed. */
export async function connectMcp(config: McpConfig, taken: Iterable<string> = [], signal?: AbortSignal): Promise<McpTools> {
  const entries = Object.entries(config.mcpServers);
  const started = await Promise.allSettled(entries.map(([name, server]) => startServer(name, server, signal)));
  const ok = started.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
  const close = async () => {
    await Promise.all(ok.map((s) => s.close()));
  };
  const failed = started.flatMap((r) => (r.status === "rejected" ? [r.reason as Error] : []));
  if (failed.length) {
    await close();
    throw new ToolSourceError(failed.map((e) => e.message).join("\n"));
  }
  const names = assignToolNames(ok, taken);
  const tools = ok.flatMap((s, i) => s.tools.map((t, j) => kernelTool({ server: s.server, client: s.client, tool: t, name: names[i]![j]!.name, failure: (err) => callFailure(s.server, err) })));
  const servers: ConnectedServer[] = ok.map((s) => ({ server: s.server, client: s.client }));
  return { tools, renames: names.flat().map((n) => n.rename), helpers: mcpHelperTools(servers), close };
}
