/**
 * One MCP server's tools as kernel tools, on the SDK's own client (not the adapters' LangChain
 * conversion, which dropped embedded resources and turned images into chat blocks). A call's whole
 * result reaches the kernel (tools/mcp-content.ts); a tool that needs task-based execution runs as
 * a task (the result is awaited), and one that asks for input mid-task is stopped with a clear error.
 */
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { DynamicStructuredTool, type StructuredToolInterface } from "@langchain/core/tools";
import { cleanText } from "./bounds";
import { errorText, wireToolResult } from "./mcp-content";
import type { JsonSchema } from "./schema-to-python";
import { CodeActError } from "../errors";

/** A server listing thousands of tools would fill the prelude and the prompt. */
export const MAX_TOOLS_PER_SERVER = 200;
const MAX_DESCRIPTION_CHARS = 4_000;
/** An argument schema past this many characters is not shown (it would fill the prelude): the tool takes any arguments. */
const MAX_SCHEMA_CHARS = 100_000;
/** Pages of a list a server may send: a server that pages forever must not hang the start-up. */
const MAX_PAGES = 50;

/** What this module needs of an MCP tool as `tools/list` gives it. */
export interface ListedTool {
  name: string;
  description?: string;
  inputSchema?: unknown;
  execution?: { taskSupport?: string };
}

/** Every tool the server lists (following pages), up to one past the limit (so the caller can say it is over). */
export async function listTools(client: Client): Promise<ListedTool[]> {
  const tools: ListedTool[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < MAX_PAGES && tools.length <= MAX_TOOLS_PER_SERVER; page++) {
    const listed = await client.listTools(cursor ? { cursor } : undefined);
    tools.push(...(listed.tools as ListedTool[]));
    cursor = listed.nextCursor;
    if (!cursor) break;
  }
  return tools;
}

/** The tool's argument schema as the registry and the stubs use it: an object schema, bounded. */
export function argumentSchema(tool: ListedTool): { schema: JsonSchema; note?: string } {
  const raw = tool.inputSchema && typeof tool.inputSchema === "object" && !Array.isArray(tool.inputSchema) ? (tool.inputSchema as Record<string, unknown>) : {};
  const chars = JSON.stringify(raw).length;
  if (chars > MAX_SCHEMA_CHARS) {
    return { schema: { type: "object", additionalProperties: true }, note: `(its argument schema, ${chars.toLocaleString("en")} characters, is too large to show: pass the arguments the description names as keywords)` };
  }
  // `$schema` names a draft the validator may not know; the rest is what the server declared.
  const { $schema: _draft, ...schema } = raw;
  return { schema: { ...(schema as JsonSchema), type: "object" } };
}

type CallResult = { content?: unknown; structuredContent?: unknown; isError?: boolean };

/** A `taskSupport: "required"` tool, run as a task: its updates are read until the result (or an error) comes. */
async function callAsTask(client: Client, name: string, args: Record<string, unknown>): Promise<CallResult> {
  for await (const message of client.experimental.tasks.callToolStream({ name, arguments: args })) {
    if (message.type === "result") return message.result as CallResult;
    if (message.type === "error") throw message.error;
    if (message.type === "taskStatus" && message.task.status === "input_required") {
      await client.experimental.tasks.cancelTask(message.task.taskId).catch(() => undefined);
      const why = message.task.statusMessage ? ` (${cut(message.task.statusMessage, 300)})` : "";
      throw new Error(`the task asked for more input${why}, which a code action cannot give; it was cancelled: call it again with arguments that need no follow-up`);
    }
  }
  throw new Error("the task ended without a result");
}

const cut = (text: string, max: number) => {
  const clean = cleanText(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
};

export interface KernelToolOptions {
  server: string;
  client: Client;
  tool: ListedTool;
  /** The tool's unique Python name (tools/mcp.ts assigns them across servers). */
  name: string;
  /** Why a call failed, in the model's words (tools/mcp.ts knows what a lost connection means). */
  failure(err: unknown): string;
}

/** The tool as the kernel sees it: a unique Python name, a clean description, the whole result, bounded. */
export function kernelTool({ server, client, tool, name, failure }: KernelToolOptions): StructuredToolInterface {
  let description = cleanText(tool.description || "");
  if (description.length > MAX_DESCRIPTION_CHARS) description = `${description.slice(0, MAX_DESCRIPTION_CHARS)}…`;
  const { schema, note } = argumentSchema(tool);
  const origin = `(MCP server "${cleanText(server)}", tool "${cleanText(tool.name)}")${note ? ` ${note}` : ""}`;
  const asTask = tool.execution?.taskSupport === "required";
  return new DynamicStructuredTool({
    name,
    description: description ? `${description}\n\n${origin}` : origin,
    schema: schema as never,
    // The bridge gives MCP tools the stub that turns the result's blocks into Python objects.
    metadata: { codeactMcpServer: server },
    func: async (args: Record<string, unknown>) => {
      let result: CallResult;
      try {
        result = asTask ? await callAsTask(client, tool.name, args) : ((await client.callTool({ name: tool.name, arguments: args })) as CallResult);
      } catch (err) {
        throw new CodeActError("tool", failure(err));
      }
      if (result.isError) throw new CodeActError("tool", `MCP tool '${cleanText(tool.name)}' on server '${cleanText(server)}' returned an error: ${errorText(result)}`);
      return wireToolResult(server, result) as never;
    },
  });
}
