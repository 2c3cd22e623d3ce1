/**
 * A stdio MCP server answering with 50 MB (past what one message may take) through the CLI and
 * the Docker kernel: that call fails with an error that says why, and the same server keeps
 * answering later calls (it used to be "Connection closed", then "Not connected" for the rest of the run).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, trajectory } from "../cli/helpers";
import { writeStdioServer } from "./mcp-fixtures";

const SERVER = `
import { writeFileSync, appendFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";
appendFileSync(process.env.PID_FILE, process.pid + "\\n");
const server = new McpServer({ name: "large", version: "1.0.0" });
server.registerTool("big", { description: "Megabytes of text.", inputSchema: { mb: z.number() } },
  async ({ mb }) => ({ content: [{ type: "text", text: "x".repeat(mb * 1024 * 1024) + "END" }] }));
server.registerTool("die", { description: "Exits mid-call.", inputSchema: {} }, async () => process.exit(1));
server.registerTool("ping", { description: "Answers pong.", inputSchema: {} }, async () => ({ content: [{ type: "text", text: "pong" }] }));
await server.connect(new StdioServerTransport());
`;

const CELL = [
  "try:",
  "    big(mb=50)",
  "except ToolError as e:",
  '    print("big:", e)',
  'print("after:", ping())',
  "r = big(mb=8)",
  'print("eight:", len(r) < 1_100_000, "[cut:" in r)',
  'print("again:", ping())',
].join("\n");

describe("a large MCP result", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-mcp-large-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("past the message limit: that call fails saying why; the server stays connected and answers the next calls", async () => {
    writeStdioServer(dir, SERVER, "large.mjs");
    const pids = join(dir, "pids");
    writeFileSync(pids, "");
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { large: { command: process.execPath, args: ["large.mjs"], env: { PID_FILE: pids } } } }));
    writeFileSync(join(dir, "traj.json"), trajectory([CELL]));
    const run = await codeact(["run", "get it all", "--scripted", "traj.json", "--mcp", "mcp.json", "--executor", "docker", "--memory"], { CODEACT_HOME: dir }, { cwd: dir });
    expect(run.stdout).toMatch(/big: .*the MCP server's reply was 50\.0 MB, past the 16\.0 MB a reply may take, so it was dropped unread \(the server is still connected\); ask for less/);
    expect(run.stdout).toContain("after: pong");
    expect(run.stdout).toContain("eight: True True");
    expect(run.stdout).toContain("again: pong");
    expect(run.code).toBe(0);
    // One server process served every call: nothing was restarted behind the model's back.
    expect(readFileSync(pids, "utf8").trim().split("\n")).toHaveLength(1);
  }, 180_000);

  it("a server that exits mid-run: its calls say it is gone (not a bare \"Not connected\")", async () => {
    writeStdioServer(dir, SERVER, "large.mjs");
    writeFileSync(join(dir, "pids"), "");
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { large: { command: process.execPath, args: ["large.mjs"], env: { PID_FILE: join(dir, "pids") } } } }));
    const cell = ["for f in (die, ping):", "    try:", "        f()", "    except ToolError as e:", '        print(f.__name__, "->", e)'].join("\n");
    writeFileSync(join(dir, "traj.json"), trajectory([cell]));
    const run = await codeact(["run", "x", "--scripted", "traj.json", "--mcp", "mcp.json", "--executor", "docker", "--memory"], { CODEACT_HOME: dir }, { cwd: dir });
    expect(run.stdout).toMatch(/^die -> the MCP server "large" is no longer running \(.*Connection closed.*\): it exited or closed its connection/m);
    expect(run.stdout).toMatch(/^ping -> the MCP server "large" is no longer running \(.*Not connected.*\)/m);
    expect(run.code).toBe(0);
  }, 180_000);
});
