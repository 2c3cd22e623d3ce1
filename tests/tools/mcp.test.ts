/**
 * `codeact run --mcp`: real MCP servers (a stdio child process and a streamable HTTP server on
 * 127.0.0.1, both made with @modelcontextprotocol/sdk) called from Python in the real Docker kernel.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, startCodeact, trajectory, waitFor } from "../cli/helpers";
import { startFakeOpenAI } from "../helpers/fake-openai";
import { alive, type HttpMcp, startHttpMcp, writeStdioServer } from "./mcp-fixtures";
import { EXIT_CODES } from "../../cli/exit-codes";

const CELL = [
  "print(add(a=2, b=3))",
  'print(get_weather(city="Oslo"))',
  'print(lookup(country="Norway"))',
  'print(local__shout(text="hi"), remote__shout(text="yo"))',
  "h = huge()",
  'print("huge", len(h) < 1_100_000, "\\x1b" in h, "\\x00" in h, h.startswith("[31mred"), "[cut:" in h)',
  "try:",
  "    fails()",
  "except ToolError as e:",
  '    print("tool error:", e)',
  "list_tools()",
].join("\n");

describe("codeact run --mcp", () => {
  let dir: string;
  let http: HttpMcp | undefined;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-mcp-"));
  });
  afterEach(async () => {
    await http?.close();
    http = undefined;
    rmSync(dir, { recursive: true, force: true });
  });

  it("calls a stdio server and a streamable HTTP server from Python: typed stubs, structured results, colliding names prefixed, hostile results bounded; the server process is gone after the run", async () => {
    writeStdioServer(join(dir, "srv"));
    http = await startHttpMcp();
    const pidFile = join(dir, "pid");
    // A relative path in args: the stdio server runs in the config file's folder.
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { local: { command: process.execPath, args: ["srv/server.mjs"], env: { PID_FILE: pidFile } }, remote: { url: http.url } } }));
    writeFileSync(join(dir, "traj.json"), trajectory([CELL]));
    const run = await codeact(["run", "use the tools", "--scripted", join(dir, "traj.json"), "--mcp", join(dir, "mcp.json"), "--executor", "docker", "--memory"], { CODEACT_HOME: dir }, { cwd: tmpdir() });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("{'sum': 5}");
    expect(run.stdout).toContain("Oslo: sunny");
    expect(run.stdout).toMatch(/^Oslo$/m);
    expect(run.stdout).toContain("HI! YO?");
    expect(run.stdout).toContain("huge True False False True True");
    expect(run.stdout).toContain("tool error: MCP tool 'fails' on server 'local' returned an error: quota exceeded");
    // Typed signatures from the servers' JSON schemas; names made Python identifiers.
    expect(run.stdout).toContain("add(a: float, b: float) — Adds two numbers.");
    expect(run.stdout).toContain("get_weather(city: str)");
    expect(run.stdout).toContain("lookup(country: str) — Capital of a country.");
    expect(http.calls).toEqual(["lookup:Norway", "shout:yo"]);
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(pid).toBeGreaterThan(0);
    expect(alive(pid)).toBe(false);
  });

  it("a server that fails to start (crashes, bad command, HTTP refused, never answers) is named before any model call, and the servers that did start are stopped", async () => {
    const server = writeStdioServer(join(dir, "srv"));
    const pidFile = join(dir, "pid");
    const hangPid = join(dir, "hang.pid");
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const refusedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    writeFileSync(
      join(dir, "mcp.json"),
      JSON.stringify({
        mcpServers: {
          good: { command: process.execPath, args: [server], env: { PID_FILE: pidFile } },
          crasher: { command: process.execPath, args: [server, "--crash"] },
          missing: { command: join(dir, "no-such-binary"), args: [] },
          refused: { url: `http://127.0.0.1:${refusedPort}/mcp` },
          hanger: { command: process.execPath, args: [server, "--hang"], env: { PID_FILE: hangPid } },
        },
      }),
    );
    const model = await startFakeOpenAI(['{"steps": [{"description": "x", "doneCriterion": "y"}]}']);
    try {
      const run = await codeact(["run", "anything", "--mcp", join(dir, "mcp.json"), "--executor", "docker", "--memory"], {
        CODEACT_HOME: dir,
        OPENAI_BASE_URL: model.baseUrl,
        OPENAI_API_KEY: "sk-test",
        CODEACT_MODEL: "fake",
        CODEACT_MCP_START_TIMEOUT_MS: "15000",
      });
      expect(run.code).toBe(EXIT_CODES.tool);
      expect(run.stderr).toMatch(/MCP server "crasher" \(command "[^"]+"\) failed to start/);
      expect(run.stderr).toMatch(/MCP server "missing" \(command "[^"]*no-such-binary"\) failed to start/);
      expect(run.stderr).toMatch(new RegExp(`MCP server "refused" \\(URL http://127\\.0\\.0\\.1:${refusedPort}/mcp\\) failed to start`));
      expect(run.stderr).toMatch(/MCP server "hanger" \(command "[^"]+"\) failed to start: it did not answer within 15 s\./);
      expect(run.stderr).not.toContain('MCP server "good"');
      expect(run.stderr).not.toMatch(/\n\s+at /); // no stack
      expect(model.requests).toHaveLength(0);
    } finally {
      await model.close();
    }
    // The good server was started, then stopped again.
    expect(existsSync(pidFile)).toBe(true);
    expect(alive(Number(readFileSync(pidFile, "utf8")))).toBe(false);
    // The one that never answered was stopped too (it ignores the end of its input: a signal did it).
    expect(alive(Number(readFileSync(hangPid, "utf8")))).toBe(false);
  });

  it.each([["SIGINT", "paused"], ["SIGKILL", "killed"]] as const)("a run stopped by %s mid-cell leaves no MCP server process behind (%s)", async (signal, _how) => {
    writeStdioServer(join(dir, "srv"));
    const pidFile = join(dir, "pid");
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { local: { command: process.execPath, args: ["srv/server.mjs"], env: { PID_FILE: pidFile } } } }));
    writeFileSync(join(dir, "traj.json"), trajectory(['print("sum", add(a=1, b=1))\nimport time\nprint("sleeping", flush=True)\ntime.sleep(600)']));
    const run = startCodeact(["run", "wait", "--scripted", join(dir, "traj.json"), "--mcp", join(dir, "mcp.json"), "--executor", "docker", "--checkpoints", join(dir, "c.sqlite")], { CODEACT_HOME: dir });
    await waitFor(() => run.output().includes("sleeping"), 90_000, "the cell to start sleeping");
    const pid = Number(readFileSync(pidFile, "utf8"));
    expect(alive(pid)).toBe(true);
    run.child.kill(signal);
    await run.exit;
    // A killed parent cannot close anything: the server sees its stdin end and exits by itself.
    await waitFor(() => !alive(pid), 30_000, "the MCP server process to exit");
  }, 150_000);

  it("a config that is not an MCP config is a one-line error naming the file", async () => {
    writeFileSync(join(dir, "bad.json"), JSON.stringify({ servers: {} }));
    writeFileSync(join(dir, "traj.json"), trajectory(["print(1)"]));
    const run = await codeact(["run", "x", "--mcp", join(dir, "bad.json"), "--scripted", join(dir, "traj.json"), "--memory"], { CODEACT_HOME: dir });
    expect(run.code).toBe(EXIT_CODES.tool);
    expect(run.stderr).toContain(`--mcp ${join(dir, "bad.json")}: not an MCP config`);
    const missing = await codeact(["run", "x", "--mcp", join(dir, "nope.json"), "--memory"], { CODEACT_HOME: dir });
    expect(missing.code).toBe(EXIT_CODES.usage);
    expect(missing.stderr).toContain("--mcp");
    expect(missing.stderr).toContain("no such file");
  });
});
