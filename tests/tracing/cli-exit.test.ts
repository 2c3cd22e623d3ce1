/**
 * The CLI with LangSmith tracing on and an endpoint that refuses connections or never answers: the
 * run succeeds, the process exits soon after it (the old client held it 25–120 s), and stderr has
 * at most one warning about it.
 */
import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort } from "../helpers/jupyter-server";
import { codeact } from "../cli/helpers";

describe("codeact run with an unusable LangSmith endpoint", () => {
  let home: string;
  let script: string;
  let silent: Server | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-trace-exit-"));
    script = join(home, "script.json");
    writeFileSync(script, JSON.stringify({ planner: ['{"steps": [{"description": "answer", "doneCriterion": "answered"}]}'], coder: ["<solution>42</solution>"], critic: ['{"verdict": "done", "answer": "42"}'] }));
  });
  afterEach(async () => {
    if (silent) await new Promise<void>((r) => (silent!.close(() => r()), silent!.closeAllConnections()));
    silent = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  const run = (endpoint: string) =>
    codeact(["run", "q", "--scripted", script, "--memory", "--executor", "docker"], { CODEACT_HOME: home, LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: endpoint, LANGSMITH_API_KEY: "k" });

  const warnings = (stderr: string) => stderr.split("\n").filter((l) => /langsmith|Context: trace=|fetch failed/i.test(l));

  it("refused connections: the run succeeds, the process exits, one warning", async () => {
    const r = await run(`http://127.0.0.1:${await freePort()}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Answer: 42");
    expect(warnings(r.stderr)).toHaveLength(1);
    expect(warnings(r.stderr)[0]).toMatch(/LangSmith at http:\/\/127\.0\.0\.1:\d+ is not taking traces/);
  }, 60_000);

  it("an endpoint that accepts and never answers: the run succeeds, the process exits, one warning", async () => {
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent!.listen(0, "127.0.0.1", r));
    const r = await run(`http://127.0.0.1:${(silent.address() as { port: number }).port}`);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Answer: 42");
    expect(warnings(r.stderr)).toHaveLength(1);
  }, 60_000);
});
