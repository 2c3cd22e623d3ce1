/**
 * ask_user() through the library: a cell asks, the run stops with the question as a LangGraph
 * interrupt, an answer continues it (the cell runs again and gets the answer), the answer is
 * recorded in the cell, and a kernel rebuilt from the cells gets it back without asking.
 * Real Docker kernel, real SQLite checkpoints.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { rehydrate } from "../../nodes/kernel/rehydrate";
import { createCheckpointer } from "../../checkpoints/savers";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import type { CodeActEvent } from "../../graphs/state/events";
import { runCodeAct } from "../../graphs/run";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { ToolBridge } from "../../tools/bridge";

const plan = JSON.stringify({ steps: [{ description: "greet", doneCriterion: "greeted" }] });

function models(coder: string[], answer = "done") {
  return {
    planner: new ScriptedChatModel({ script: [plan] }),
    coder: new ScriptedChatModel({ script: [...coder.map((c) => `<execute>\n${c}\n</execute>`), `<solution>${answer}</solution>`] }),
    critic: new ScriptedChatModel({ script: [JSON.stringify({ verdict: "done", answer })] }),
  };
}

describe("ask_user() in the graph", () => {
  let executor: DockerJupyterExecutor;
  let dir: string;
  beforeAll(async () => {
    executor = new DockerJupyterExecutor();
    await executor.start();
  }, 60_000);
  afterAll(() => executor?.shutdown());
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-ask-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("stops at the question (interrupt payload), continues with the answer, records it, and a rebuilt kernel never asks again", async () => {
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "c.sqlite") });
    try {
      const m = models(['runs = globals().get("runs", 0) + 1\nname = ask_user("What is your name?")\nprint("hello", name, runs)', 'print(name.upper())']);
      const graph = createCodeActGraph({ models: m, executor, checkpointer: store.saver, artifacts: store.artifacts });
      const events: CodeActEvent[] = [];
      const first = await runCodeAct(graph, "greet me", { threadId: "ask", onEvent: (e) => events.push(e) });
      expect(first.awaitingAnswer).toEqual({ kind: "ask_user", question: "What is your name?", step: 0 });
      expect(first.cells).toEqual([]);
      expect(events).toContainEqual({ type: "question", question: "What is your name?", step: 0 });
      // The pending interrupt is in the checkpoint, as any LangGraph client reads it.
      const snapshot = await graph.getState({ configurable: { thread_id: "ask" } });
      expect(snapshot.tasks.flatMap((t) => t.interrupts.map((i) => i.value))).toEqual([first.awaitingAnswer]);

      const done = await runCodeAct(graph, null, { threadId: "ask", answer: "Ada" });
      expect(done.status).toBe("done");
      // The cell ran again from its start in the same kernel: the line before the question ran twice (noted for the agent).
      expect(done.cells.map((c) => c.result.stdout)).toEqual(["hello Ada 2\n", "ADA\n"]);
      expect(done.cells[0]!.answers).toEqual([{ question: "What is your name?", answer: "Ada" }]);
      expect(done.cells[0]!.notes?.join(" ")).toMatch(/ran again from its start/);
      expect(done.cells[1]!.answers).toBeUndefined();

      // Rebuilding the kernel from the cells: the recorded answer is replayed, nobody is asked.
      const fresh = new DockerJupyterExecutor();
      try {
        const report = await rehydrate(fresh, done.cells, new ToolBridge([]));
        expect(report).toMatchObject({ replayed: 2, failed: [] });
        // A rebuilt kernel runs the cell once, so its count differs from the in-process rerun's (reported).
        expect(report.diverged.map((d) => [d.recorded, d.replayed])).toEqual([["hello Ada 2", "hello Ada 1"]]);
        expect((await fresh.execute("print(name, runs)")).stdout).toBe("Ada 1\n");
      } finally {
        await fresh.shutdown();
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  it("answers in-process through onQuestion (two questions in one cell), and refuses an answer for a thread that waits for none", async () => {
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "c.sqlite") });
    try {
      const m = models(['a = ask_user("first?")\nb = ask_user("second?")\nprint(a + b)']);
      const graph = createCodeActGraph({ models: m, executor, checkpointer: store.saver, artifacts: store.artifacts });
      const asked: string[] = [];
      const state = await runCodeAct(graph, "ask twice", { threadId: "two", onQuestion: async (q) => (asked.push(q.question), q.question === "first?" ? "4" : "2") });
      expect(asked).toEqual(["first?", "second?"]);
      // The coder was told that it can ask, and how.
      expect(JSON.stringify(m.coder.calls[0]!.map((c) => c.content))).toContain("call ask_user(question) in the kernel");
      expect(state.status).toBe("done");
      expect(state.cells[0]!.result.stdout).toBe("42\n");
      expect(state.cells[0]!.answers).toEqual([
        { question: "first?", answer: "4" },
        { question: "second?", answer: "2" },
      ]);
      // Nothing but the question came before it in the cell: no note.
      expect(state.cells[0]!.notes).toBeUndefined();
      await expect(runCodeAct(graph, null, { threadId: "two", answer: "late" })).rejects.toThrow(/not waiting for an answer/);
    } finally {
      await store.close();
    }
  }, 120_000);

  it("the time spent waiting for the answer does not count against the wall clock", async () => {
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "c.sqlite") });
    try {
      const m = models(['n = ask_user("Ready?")\nprint(n)', 'print("after")']);
      // The agent's own time here is a few seconds even on a loaded machine; the person takes longer than the limit.
      const graph = createCodeActGraph({ models: m, executor, checkpointer: store.saver, artifacts: store.artifacts, limits: { wallClockMs: 20_000 } });
      const first = await runCodeAct(graph, "ask, then wait", { threadId: "slow-person" });
      expect(first.awaitingAnswer?.question).toBe("Ready?");
      await new Promise((r) => setTimeout(r, 21_000));
      const done = await runCodeAct(graph, null, { threadId: "slow-person", answer: "yes" });
      expect([done.status, done.statusDetail]).toEqual(["done", ""]);
      expect(done.cells.map((c) => c.result.stdout)).toEqual(["yes\n", "after\n"]);
      expect(done.startedAt - first.startedAt).toBeGreaterThanOrEqual(21_000);
    } finally {
      await store.close();
    }
  }, 180_000);

  it("an evaluation graph (askUser: false) never invites questions; a graph without a person answers ask_user with a clear error", async () => {
    const m = models(['try:\n    ask_user("anyone?")\nexcept ToolError as e:\n    print(e)']);
    const graph = createCodeActGraph({ models: m, executor, tools: new ToolBridge([]), askUser: false });
    const state = await runCodeAct(graph, "ask nobody", { threadId: "eval" });
    expect(state.cells[0]!.result.stdout).toMatch(/nobody can answer ask_user\("anyone\?"\) in this run/);
    expect(JSON.stringify(m.coder.calls[0]!.map((c) => c.content))).not.toContain("ask_user");
  }, 120_000);
});
