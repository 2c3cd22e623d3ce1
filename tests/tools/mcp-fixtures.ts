/**
 * Real MCP servers for tests, made with @modelcontextprotocol/sdk: a stdio server (a child
 * process running a small .mjs file written to a temp dir) and a streamable HTTP server on
 * 127.0.0.1 in the test process.
 */
import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";

export const root = join(__dirname, "..", "..");

/** The stdio server's source. `--crash` exits at once, `--hang` never answers; PID_FILE gets its pid, for the orphan check. */
const STDIO_SERVER = `
import { writeFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

if (process.argv.includes("--crash")) {
  process.stderr.write("fixture server: crashing on purpose\\n");
  process.exit(3);
}
if (process.env.PID_FILE) writeFileSync(process.env.PID_FILE, String(process.pid));
if (process.argv.includes("--hang")) {
  // Never answers, and does not leave when its input ends: only a signal stops it.
  setInterval(() => undefined, 1000);
} else {
const server = new McpServer({ name: "fixture", version: "1.0.0" });
server.registerTool("add", {
  description: "Adds two numbers.",
  inputSchema: { a: z.number().describe("first"), b: z.number().describe("second") },
  outputSchema: { sum: z.number() },
}, async ({ a, b }) => ({ content: [{ type: "text", text: String(a + b) }], structuredContent: { sum: a + b } }));
server.registerTool("get-weather", {
  description: "Weather\\u0000 for a city.\\u001b[2J \\"\\"\\" docstring breaker",
  inputSchema: { city: z.string() },
}, async ({ city }) => ({ content: [{ type: "text", text: city + ": sunny" }] }));
server.registerTool("shout", { description: "Upper-cases text (stdio).", inputSchema: { text: z.string() } },
  async ({ text }) => ({ content: [{ type: "text", text: text.toUpperCase() + "!" }] }));
server.registerTool("huge", { description: "A hostile result: megabytes with control characters.", inputSchema: {} },
  async () => ({ content: [{ type: "text", text: "\\u001b[31mred\\u0000" + "x".repeat(5_000_000) + "END" }] }));
server.registerTool("fails", { description: "Always fails.", inputSchema: {} },
  async () => ({ isError: true, content: [{ type: "text", text: "quota exceeded" }] }));
await server.connect(new StdioServerTransport());
}
`;

/** Writes a stdio server (the fixture's, or `source`) into `dir` (with node_modules linked so its imports resolve) and returns its path. */
export function writeStdioServer(dir: string, source = STDIO_SERVER, name = "server.mjs"): string {
  mkdirSync(dir, { recursive: true });
  try {
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
  const file = join(dir, name);
  writeFileSync(file, source);
  return file;
}

export interface HttpMcp {
  url: string;
  calls: string[];
  close(): Promise<void>;
}

/** A stateless streamable HTTP MCP server on 127.0.0.1 (port 0): tools `lookup` and `shout`. */
export async function startHttpMcp(): Promise<HttpMcp> {
  const { McpServer } = require("@modelcontextprotocol/sdk/server/mcp.js") as typeof import("@modelcontextprotocol/sdk/server/mcp.js");
  const { StreamableHTTPServerTransport } = require("@modelcontextprotocol/sdk/server/streamableHttp.js") as typeof import("@modelcontextprotocol/sdk/server/streamableHttp.js");
  const { z } = require("zod") as typeof import("zod");
  const calls: string[] = [];
  const make = () => {
    const server = new McpServer({ name: "http-fixture", version: "1.0.0" });
    server.registerTool("lookup", { description: "Capital of a country.", inputSchema: { country: z.string() } }, async ({ country }) => {
      calls.push(`lookup:${country}`);
      return { content: [{ type: "text" as const, text: country === "Norway" ? "Oslo" : "unknown" }] };
    });
    server.registerTool("shout", { description: "Upper-cases text (http).", inputSchema: { text: z.string() } }, async ({ text }) => {
      calls.push(`shout:${text}`);
      return { content: [{ type: "text" as const, text: `${text.toUpperCase()}?` }] };
    });
    return server;
  };
  const http: Server = createServer(async (req, res) => {
    const server = make();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on("close", () => {
      void transport.close();
      void server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res);
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  const port = (http.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    calls,
    close: () =>
      new Promise<void>((r) => {
        http.closeAllConnections();
        http.close(() => r());
      }),
  };
}

/** True while a process with this pid exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
