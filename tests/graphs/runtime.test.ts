/** createRuntime builds tool sources, then the executor, then the models; a later step that fails closes what came before. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRuntime } from "../../graphs/runtime";
import { alive, writeStdioServer } from "../tools/mcp-fixtures";

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-runtime-"))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** An MCP config file naming the fixture's stdio server, which writes its pid to `pidFile`. */
function mcpConfig(pidFile: string): string {
  const server = writeStdioServer(join(dir, "srv"));
  const file = join(dir, "mcp.json");
  writeFileSync(file, JSON.stringify({ mcpServers: { local: { command: process.execPath, args: [server], env: { PID_FILE: pidFile } } } }));
  return file;
}

async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !alive(pid);
}

it("an executor that cannot be built stops the MCP server started before it", async () => {
  const pidFile = join(dir, "pid");
  const settings = { models: { default: "gpt-4o-mini" }, tools: { mcp: mcpConfig(pidFile) }, executor: { kind: "remote" as const } };
  await expect(createRuntime(settings, { env: { OPENAI_API_KEY: "sk-test" } })).rejects.toThrow(/remote executor needs a server URL/);
  expect(existsSync(pidFile)).toBe(true); // the server did start first
  expect(await gone(Number(readFileSync(pidFile, "utf8")))).toBe(true);
}, 60_000);

it("models that cannot be built close the executor and stop the MCP server; built ones serve the kernel its tools", async () => {
  const pidFile = join(dir, "pid");
  const mcp = mcpConfig(pidFile);
  // No key and no endpoint for the OpenAI-compatible model: the last step fails.
  await expect(createRuntime({ models: { default: "gpt-4o-mini" }, tools: { mcp }, executor: { kind: "docker" } }, { env: {} })).rejects.toThrow(/No model endpoint/);
  expect(await gone(Number(readFileSync(pidFile, "utf8")))).toBe(true);

  const runtime = await createRuntime({ models: { default: "gpt-4o-mini" }, tools: { mcp }, executor: { kind: "docker" } }, { threadId: "runtime-test", env: { OPENAI_API_KEY: "sk-test" } });
  try {
    expect(Object.keys(runtime.models)).toEqual(["planner", "coder", "critic"]);
    await runtime.executor.start();
    const result = await runtime.executor.execute("print(add(a=2, b=3))");
    expect(result.stdout).toContain("5");
  } finally {
    await runtime.close();
  }
  expect(await gone(Number(readFileSync(pidFile, "utf8")))).toBe(true);
}, 120_000);
