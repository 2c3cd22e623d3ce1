/**
 * The status rule on its own (every outcome and its precedence), and the edges a listing meets:
 * a thread that never ran a step, a branch no run has taken up, and the direct SQLite reader of
 * `codeact threads` agreeing with the saver's listing on all of them.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { listSqliteThreads } from "../../checkpoints/sqlite-file";
import { type RunRecord, threadStatus, waitingOf } from "../../checkpoints/thread-status";
import { listStoreThreads } from "../../graphs/threads";
import type { CodeActEvent } from "../../graphs/state/events";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { LocalJupyterExecutor } from "../../executors/local";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { codeact, trajectory } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

const record = (state: RunRecord["state"], detail = ""): RunRecord => ({ state, detail, pid: 4242, host: "box", at: "2026-01-01T00:00:00.000Z" });

describe("threadStatus", () => {
  it.each([
    [{ runStatus: "done" }, "done"],
    [{ runStatus: "max_iterations", statusDetail: "10 turns" }, "failed"],
    [{ runStatus: "running", holder: "pid 1" }, "running"],
    [{ runStatus: "done", holder: "pid 1" }, "running"],
    [{ runStatus: "running", holder: "pid 1", waiting: { kind: "ask_user" as const, text: "which file?" } }, "waiting"],
    [{ runStatus: "running", waiting: { kind: "approve_code" as const, text: "x = 1" }, record: record("error", "Input ended") }, "waiting"],
    [{ runStatus: "running", record: record("paused", "SIGTERM") }, "paused"],
    [{ runStatus: "running", record: record("error", "model endpoint refused\nresume with …") }, "failed"],
    [{ runStatus: "running", record: record("running") }, "crashed"],
    [{ runStatus: "running" }, "crashed"],
    [{ runStatus: "running", source: "update" }, "paused"],
    [{ runStatus: undefined, record: record("running") }, "crashed"],
  ])("%j is %s", (facts, status) => {
    expect(threadStatus(facts).status).toBe(status);
  });

  it("says why: the budget, the error's first line, the signal, the dead pid", () => {
    expect(threadStatus({ runStatus: "token_budget", statusDetail: "used 900 of 800" }).detail).toBe("token_budget: used 900 of 800");
    expect(threadStatus({ runStatus: "running", record: record("error", "refused\nmore") }).detail).toBe("error: refused");
    expect(threadStatus({ runStatus: "running", record: record("paused", "SIGHUP") }).detail).toContain("SIGHUP");
    expect(threadStatus({ runStatus: "running", record: record("running") }).detail).toContain("pid 4242 on box died");
    expect(threadStatus({ record: record("running") }).detail).toContain("before its first step");
  });

  it("reads what waits defensively: the question, the code's first non-blank line, anything else as an interrupt", () => {
    expect(waitingOf([{ id: "1", value: { kind: "ask_user", question: "Which year?", step: 0 } }])).toEqual({ kind: "ask_user", text: "Which year?" });
    expect(waitingOf([{ id: "1", value: { kind: "approve_code", code: "\n\n  import os\nos.remove('x')", step: 0, attempt: 0, thought: "" } }])).toEqual({ kind: "approve_code", text: "import os" });
    expect(waitingOf([{ id: "1", value: "free text" }])).toEqual({ kind: "interrupt", text: "" });
    expect(waitingOf({ kind: "ask_user", question: 7 })).toEqual({ kind: "interrupt", text: "" });
  });
});

describe("the finished event", () => {
  it("counts every model reply, a repaired one too: planner 2 (one unusable), coder 1, critic 1", async () => {
    const store = await createCheckpointer({ kind: "memory" });
    const planner = new ScriptedChatModel({ script: ["no plan here", '{"steps": [{"description": "answer", "doneCriterion": "answered"}]}'] });
    const coder = new ScriptedChatModel({ script: ["<solution>42</solution>"] });
    const critic = new ScriptedChatModel({ script: ['{"verdict": "done", "feedback": "", "answer": "42"}'] });
    // The answer needs no code: the executor is never started.
    const graph = createCodeActGraph({ models: { planner, coder, critic }, executor: new LocalJupyterExecutor(), checkpointer: store.saver });
    const events: CodeActEvent[] = [];
    const state = await runCodeAct(graph, "the answer", { threadId: "calls", onEvent: (e) => events.push(e) });
    expect(state.modelCalls).toBe(4);
    expect(events.at(-1)).toEqual({ type: "finished", status: "done", answer: "42", detail: "", tokens: state.tokens, modelCalls: 4, cells: 0, durationMs: expect.any(Number), turn: 0 });
  });
});

describe("threads at the edges (SQLite, Docker kernel)", () => {
  let home: string;
  beforeAll(() => void (home = mkdtempSync(join(tmpdir(), "codeact-status-edges-"))));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("a thread that never ran a step, a branch not yet run, and a done thread; the direct reader agrees with the saver", async () => {
    const file = join(home, "checkpoints.sqlite");
    const env = { CODEACT_HOME: home };
    const store = ["--checkpoints", file];
    const none = join(home, "none.json");
    // The planner has no reply: the run fails at its very first model call, after its input checkpoint.
    writeFileSync(none, JSON.stringify({ planner: [], coder: [], critic: [] }));
    const failed = await codeact(["run", "never planned", "--scripted", none, "--thread", "edge-new", "--executor", "docker", ...store], env);
    expect(failed.code).toBe(EXIT_CODES.model);
    const ok = join(home, "ok.json");
    writeFileSync(ok, trajectory(["y = 2\nprint(y)", "print(y * 3)"], "6"));
    expect((await codeact(["run", "compute", "--scripted", ok, "--thread", "edge-done", "--executor", "docker", ...store], env)).code).toBe(0);
    const history = JSON.parse((await codeact(["history", "edge-done", "--json", ...store], env)).stdout) as { checkpointId: string; next: string[]; summary: string }[];
    const at = history.find((h) => h.next.includes("executor") && h.summary.includes("1 cells"))!;
    const branched = await codeact(["branch", "edge-done", "--at", at.checkpointId, "--name", "edge-branch", "--no-run", ...store], env);
    expect(branched.code).toBe(0);

    const direct = listSqliteThreads(file)!;
    const byId = Object.fromEntries(direct.map((t) => [t.threadId, t]));
    expect(byId["edge-new"]).toMatchObject({ task: "never planned", status: "failed", runStatus: "", cells: 0, turns: 1, detail: expect.stringContaining("before its first step") });
    expect(byId["edge-branch"]).toMatchObject({ task: "compute", status: "paused", runStatus: "running", cells: 1 });
    expect(byId["edge-done"]).toMatchObject({ status: "done", cells: 2 });
    const cp = await createCheckpointer({ kind: "sqlite", path: file, readOnly: true });
    try {
      expect(await listStoreThreads(cp)).toEqual(direct);
    } finally {
      await cp.close();
    }
  }, 240_000);
});
