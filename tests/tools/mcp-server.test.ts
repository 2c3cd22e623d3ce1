/**
 * Tools on the LangGraph server: the factory langgraph.json serves (graphs/server.ts) with the
 * operator's CODEACT_MCP / CODEACT_TOOLS, and callers' configurable.mcp / tools only as the policy
 * allows (a stdio server is a command run on the server: refused unless the operator opens it).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCodeAct } from "../../graphs/run";
import { alive, type HttpMcp, root, startHttpMcp, writeStdioServer } from "./mcp-fixtures";

const ENV = ["CODEACT_SERVER_POLICY", "CODEACT_SERVER_POLICY_FILE", "CODEACT_MCP", "CODEACT_TOOLS", "LANGSMITH_TRACING"] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
// Read when the module loads: idle threads (kernel and MCP servers) stop 30 s after their last run started.
process.env.CODEACT_SERVER_KERNEL_IDLE_MS = "30000";
const { graph } = require("../../graphs/server") as typeof import("../../graphs/server");

const script = (code: string) => ({
  planner: ['{"steps": [{"description": "use the tools", "doneCriterion": "printed"}]}'],
  coder: [`<execute>\n${code}\n</execute>`, "<solution>done</solution>"],
  critic: ['{"verdict": "done", "answer": "done"}'],
});

describe("server: tools from the operator and, by policy, from callers", () => {
  let dir: string;
  let http: HttpMcp;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "codeact-mcp-server-"));
    writeStdioServer(join(dir, "srv"));
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(
      join(dir, "tools.ts"),
      'import { tool } from "@langchain/core/tools";\nimport { z } from "zod";\nexport const triple = tool(async ({ n }: { n: number }) => n * 3, { name: "triple", description: "Triples.", schema: z.object({ n: z.number() }) });\n',
    );
    http = await startHttpMcp();
  });
  afterAll(async () => {
    await http.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    for (const k of ENV) delete process.env[k];
    process.env.LANGSMITH_TRACING = "false";
  });
  afterEach(() => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
  });

  it("by default a caller's MCP servers and tool modules are refused, stdio ones even when HTTP ones are allowed; nothing is started", async () => {
    const pidFile = join(dir, "refused.pid");
    const stdio = { mcpServers: { local: { command: process.execPath, args: [join(dir, "srv", "server.mjs")], env: { PID_FILE: pidFile } } } };
    const remote = { mcpServers: { remote: { url: http.url } } };
    const build = (configurable: Record<string, unknown>) => graph({ configurable: { thread_id: randomUUID(), ...configurable } });
    await expect(build({ mcp: stdio })).rejects.toThrow(/does not let callers set MCP server "local": a stdio server \(its command would run on this server\)/);
    await expect(build({ mcp: remote })).rejects.toThrow(/MCP server "remote" at http:\/\/127\.0\.0\.1:\d+\/mcp \(none allowed\)/);
    await expect(build({ tools: [join(dir, "tools.ts")] })).rejects.toThrow(/tool module ".*tools\.ts" \(none allowed\)/);
    await expect(build({ mcp: { servers: {} } })).rejects.toThrow(/configurable\.mcp: not an MCP config/);
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ mcp: { urls: ["*"] } });
    await expect(build({ mcp: stdio })).rejects.toThrow(/a stdio server/);
    expect(() => readFileSync(pidFile)).toThrow();
    expect(http.calls).toEqual([]);
  });

  it("the operator's CODEACT_MCP (stdio) and CODEACT_TOOLS, plus a caller's HTTP server the policy allows, are called from Python in the Docker kernel", async () => {
    const pidFile = join(dir, "operator.pid");
    writeFileSync(join(dir, "mcp.json"), JSON.stringify({ mcpServers: { local: { command: process.execPath, args: ["srv/server.mjs"], env: { PID_FILE: pidFile } } } }));
    Object.assign(process.env, {
      CODEACT_MCP: join(dir, "mcp.json"),
      CODEACT_TOOLS: join(dir, "tools.ts"),
      CODEACT_SERVER_POLICY: JSON.stringify({ scripted: true, mcp: { urls: [http.url] } }),
    });
    const thread = `mcp-${randomUUID()}`;
    const configurable = { thread_id: thread, provider: "scripted", script: script('print(add(a=1, b=2), lookup(country="Norway"), triple(n=4))'), mcp: { mcpServers: { remote: { url: http.url } } } };
    const events: string[] = [];
    const state = await runCodeAct(await graph({ configurable }), "use the tools", { threadId: thread, onEvent: (e) => events.push(JSON.stringify(e)) });
    expect(state.status).toBe("done");
    expect(state.cells[0]!.result.stdout).toContain("{'sum': 3} Oslo 12");
    expect(http.calls).toContain("lookup:Norway");
    // The thread's tools are fixed by its first run.
    await expect(graph({ configurable: { ...configurable, mcp: undefined } })).rejects.toThrow(/fixed by its first run/);
    // Idle threads stop their kernel and their MCP servers.
    const pid = Number(readFileSync(pidFile, "utf8"));
    const until = Date.now() + 120_000;
    while (alive(pid) && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    expect(alive(pid)).toBe(false);
  }, 240_000);
});
