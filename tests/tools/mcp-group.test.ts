/**
 * A stdio MCP server that leaves a daemon behind (a grandchild detached by a double fork): the run
 * ends, and the daemon is gone with the server (its process group is stopped on close).
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, trajectory, waitFor } from "../cli/helpers";
import { alive, writeStdioServer } from "./mcp-fixtures";

const SERVER = `
import { execSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
// sh forks sleep and exits: the sleep is nobody's child any more.
writeFileSync(process.env.DAEMON_PID, execSync("sh -c 'sleep 600 >/dev/null 2>&1 & echo $!'").toString().trim());
writeFileSync(process.env.PID_FILE, String(process.pid));
const server = new McpServer({ name: "daemon", version: "1.0.0" });
server.registerTool("ping", { description: "Answers pong." }, async () => ({ content: [{ type: "text", text: "pong" }] }));
await server.connect(new StdioServerTransport());
`;

describe("an MCP server's detached children", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-mcp-group-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("do not outlive the run; a missing command is still named as such", async () => {
    writeStdioServer(dir, SERVER, "daemon.mjs");
    const env = { DAEMON_PID: join(dir, "daemon.pid"), PID_FILE: join(dir, "server.pid") };
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { daemon: { command: process.execPath, args: ["daemon.mjs"], env } } }));
    writeFileSync(join(dir, "traj.json"), trajectory(['print("got", ping())']));
    const run = await codeact(["run", "ping", "--scripted", "traj.json", "--mcp", "mcp.json", "--executor", "docker", "--memory"], { CODEACT_HOME: dir }, { cwd: dir });
    expect(run.stdout).toContain("got pong");
    expect(run.code).toBe(0);
    const daemon = Number(readFileSync(env.DAEMON_PID, "utf8"));
    expect(daemon).toBeGreaterThan(0);
    expect(alive(Number(readFileSync(env.PID_FILE, "utf8")))).toBe(false);
    // Killed on close; a moment more for whoever adopted it to reap it.
    await waitFor(() => !alive(daemon), 10_000, "the daemon to be gone");

    writeFileSync(join(dir, "missing.json"), JSON.stringify({ mcpServers: { gone: { command: "no-such-mcp-binary" } } }));
    const missing = await codeact(["run", "x", "--scripted", "traj.json", "--mcp", "missing.json", "--memory"], { CODEACT_HOME: dir }, { cwd: dir });
    expect(missing.stderr).toMatch(/MCP server "gone" \(command "no-such-mcp-binary"\) failed to start: no such command/);
  }, 120_000);
});
