/**
 * The MCP config file (`{"mcpServers": {...}}`, as Claude Desktop, Cursor and VS Code write it),
 * checked at the boundary. Kept apart from the client (mcp.ts) so the server's policy can check a
 * caller's config without loading the MCP adapters.
 */
import { readFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { type CodeActErrorOptions, settingLabel } from "../errors";
import { ToolSourceError } from "./modules";

const StdioServerSchema = z
  .object({
    command: z.string().min(1),
    args: z.array(z.string()).default([]),
    env: z.record(z.string(), z.string()).optional(),
    cwd: z.string().optional(),
    transport: z.literal("stdio").optional(),
    type: z.literal("stdio").optional(),
  })
  .strict();

const HTTP_TRANSPORTS = ["http", "streamable-http", "streamable_http", "streamableHttp", "sse"] as const;
const HttpServerSchema = z
  .object({
    url: z.string().url(),
    headers: z.record(z.string(), z.string()).optional(),
    transport: z.enum(HTTP_TRANSPORTS).optional(),
    type: z.enum(HTTP_TRANSPORTS).optional(),
  })
  .strict();

export const McpConfigSchema = z.object({
  mcpServers: z.record(z.string().min(1).max(64), z.union([StdioServerSchema, HttpServerSchema])),
});
export type McpConfig = z.infer<typeof McpConfigSchema>;
export type McpServerConfig = McpConfig["mcpServers"][string];

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

/** Checks a config object; `where` names it in errors ("MCP config mcp.json", "configurable.mcp"). */
export function parseMcpConfig(raw: unknown, where: string, options?: CodeActErrorOptions): McpConfig {
  const parsed = McpConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new ToolSourceError(`${where}: not an MCP config (${issuesText(parsed.error)}). Expected {"mcpServers": {"name": {"command": "...", "args": [...]} or {"url": "http://..."}}}.`, options);
  }
  return parsed.data;
}

/** Reads an MCP config file. A stdio server without `cwd` runs in the file's folder, so relative paths in it still work on resume from elsewhere. */
export function readMcpConfigFile(path: string, where = settingLabel("mcp", path)): McpConfig {
  // Named as the setting: a front end may name it its own way.
  const options = where === settingLabel("mcp", path) ? { about: { setting: "mcp" as const, value: path } } : undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new ToolSourceError(`${where}: cannot read it (${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (err as Error).message}).`, options);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ToolSourceError(`${where}: not valid JSON (${(err as Error).message}).`, options);
  }
  const config = parseMcpConfig(raw, where, options);
  for (const server of Object.values(config.mcpServers)) {
    if ("command" in server) server.cwd = resolve(dirname(resolve(path)), server.cwd ?? ".");
  }
  return config;
}

