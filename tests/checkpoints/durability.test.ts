/** Pause, resume, branch and approval on real kernels and real SQLite files. */
import { tool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { branchThread } from "../../graphs/branch";
import { rehydrate } from "../../nodes/kernel/rehydrate";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState, threadHistory } from "../../graphs/threads";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import type { Approval } from "../../graphs/state/state";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { ToolBridge } from "../../tools/bridge";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const plan = JSON.stringify({ steps: [{ description: "do it", doneCriterion: "printed" }] });
const done = (answer: string) => JSON.stringify({ verdict: "done", feedback: "", answer });
const models = (coder: string[], critic: string[], planner = [plan]) => ({
  planner: new ScriptedChatModel({ script: planner }),
  coder: new ScriptedChatModel({ script: coder }),
  critic: new ScriptedChatModel({ script: critic }),
});

function countingTool() {
  const counter = { calls: 0 };
  const charge = tool(
    async ({ amount }) => {
      counter.calls++;
      return { charged: amount, receipt: `r-${counter.calls}` };
    },
    { name: "charge_card", description: "Charges a card (a side effect that must never happen twice).", schema: z.object({ amount: z.number() }) },
  );
  return { counter, bridge: new ToolBridge([charge]) };
}

/** A fresh kernel per call, each stopped after its test. */
function kernelsPerTest(): () => DockerJupyterExecutor {
  const executors: DockerJupyterExecutor[] = [];
  afterEach(async () => {
    await Promise.all(executors.splice(0).map((e) => e.shutdown()));
  });
  return () => {
    const ex = new DockerJupyterExecutor();
    executors.push(ex);
    return ex;
  };
}

describe.each(["sqlite", "postgres"] as const)("durability on %s", (kind) => {
  let dir: string;
  const dbs: TestDatabase[] = [];
  afterAll(() => dbs.forEach((d) => d.drop()));
  const openStore = () => {
    if (kind === "sqlite") return createCheckpointer({ kind, path: join(dir, "cp.sqlite") });
    const db = createTestDatabase();
    dbs.push(db);
    return createCheckpointer({ kind, connectionString: db.url });
  };
  const kernel = kernelsPerTest();
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-dur-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("rehydration replays the cells, the failed one too: variables are back, tools answered from the record", async () => {
    const { counter, bridge } = countingTool();
    const store = await openStore();
    try {
      const graph = createCodeActGraph({
        models: models(
          ["<execute>\nreceipt = charge_card(amount=42)['receipt']\nbase = 10\n</execute>", "<execute>\nboom = 1 / 0\n</execute>", "<execute>\ntotal = base * 2\nprint(receipt, total)\n</execute>", "<solution>20</solution>"],
          [done("20")],
        ),
        executor: kernel(),
        tools: bridge,
        checkpointer: store.saver,
      });
      const state = await runCodeAct(graph, "charge and compute", { threadId: "rh" });
      expect(state.status).toBe("done");
      expect(counter.calls).toBe(1);
      const saved = await readThreadState(store.saver, "rh");
      expect(saved.cells.map((c) => c.result.status)).toEqual(["ok", "error", "ok"]);

      const fresh = kernel();
      const report = await rehydrate(fresh, saved.cells, bridge);
      expect(report).toMatchObject({ replayed: 3, skipped: 0, failed: [], diverged: [] });
      expect(counter.calls).toBe(1); // the card was not charged again
      const r = await fresh.execute("receipt, base, total");
      expect(r.results[0]?.data["text/plain"]).toBe("('r-1', 10, 20)");
      // After rehydration the live tools are back.
      await fresh.execute("charge_card(amount=1)");
      expect(counter.calls).toBe(2);
    } finally {
      await store.close();
    }
  }, 90_000);

  it("branches from an earlier checkpoint into a new thread, leaving the original intact", async () => {
    const store = await openStore();
    try {
      const graph = createCodeActGraph({
        models: models(["<execute>\nx = 5\n</execute>", "<execute>\ny = x * 2\nprint(y)\n</execute>", "<solution>10</solution>"], [done("10")]),
        executor: kernel(),
        checkpointer: store.saver,
      });
      const original = await runCodeAct(graph, "double", { threadId: "orig" });
      expect(original.answer).toBe("10");
      const history = await threadHistory(store.saver, "orig");
      const before = history.length;
      // The checkpoint right before the second action ran.
      const at = history.filter((h) => h.next[0] === "executor")[1]!;
      const branch = await branchThread(store.saver, "orig", at.checkpointId, { code: "y = x * 3\nprint(y)", instruction: "triple instead" });
      const ex = kernel();
      const bgraph = createCodeActGraph({ models: models(["<solution>15</solution>"], [done("15")]), executor: ex, checkpointer: store.saver });
      // No explicit rehydration: the executor node rebuilds the kernel from the branch's cells.
      const events: string[] = [];
      const b = await runCodeAct(bgraph, null, { threadId: branch, onEvent: (e) => e.type === "rehydrated" && events.push(`${e.replayed}`) });
      expect(events).toEqual(["1"]);
      expect(b.status).toBe("done");
      expect(b.answer).toBe("15");
      expect(b.cells.map((c) => c.code)).toEqual(["x = 5", "y = x * 3\nprint(y)"]);
      expect(b.cells[1]!.result.stdout).toBe("15\n");
      // The original line is untouched.
      expect((await threadHistory(store.saver, "orig")).length).toBe(before);
      expect((await readThreadState(store.saver, "orig")).answer).toBe("10");
    } finally {
      await store.close();
    }
  }, 90_000);
});

// Approval keeps its pause in a MemorySaver, not in the store under test: run once, not once per store.
describe("durability: approval", () => {
  const kernel = kernelsPerTest();

  it("approval mode: approve runs the code, edit runs the edited code (recorded as edited), reject goes back to the coder", async () => {
    const m = models(
      ["<execute>\na = 1\nprint('a', a)\n</execute>", "<execute>\nb = 2\n</execute>", "<execute>\nimport shutil; shutil.rmtree('/workspace')\n</execute>", "<execute>\nprint(a + b)\n</execute>", "<solution>12</solution>"],
      [done("12")],
    );
    const graph = createCodeActGraph({ models: m, executor: kernel(), checkpointer: new MemorySaver(), limits: { approve: true } });
    const decisions: Approval[] = [{ action: "approve" }, { action: "edit", code: "b = 11" }, { action: "reject", feedback: "never delete the workspace" }, { action: "approve" }];
    const seen: string[] = [];
    const state = await runCodeAct(graph, "add", {
      threadId: "approve",
      onApproval: async (req) => {
        seen.push(req.code);
        return decisions.shift()!;
      },
    });
    expect(state.status).toBe("done");
    expect(seen).toHaveLength(4);
    expect(state.cells.map((c) => [c.code, c.edited ?? false])).toEqual([
      ["a = 1\nprint('a', a)", false],
      ["b = 11", true],
      ["print(a + b)", false],
    ]);
    expect(state.cells[2]!.result.stdout).toBe("12\n");
    const afterReject = JSON.stringify(m.coder.calls[3]!.map((x) => x.content));
    expect(afterReject).toContain("never delete the workspace");
  }, 90_000);

  it("approval through the API: the run pauses with the code, and resumes with a Command", async () => {
    const graph = createCodeActGraph({ models: models(["<execute>\nprint('hi')\n</execute>", "<solution>hi</solution>"], [done("hi")]), executor: kernel(), checkpointer: new MemorySaver(), limits: { approve: true } });
    const paused = await runCodeAct(graph, "say hi", { threadId: "api" });
    expect(paused.status).toBe("running");
    expect(paused.awaitingApproval).toMatchObject({ kind: "approve_code", code: "print('hi')" });
    expect(paused.cells).toHaveLength(0);
    const resumed = await runCodeAct(graph, null, { threadId: "api", onApproval: async () => ({ action: "approve" }) });
    expect(resumed.status).toBe("done");
    expect(resumed.cells[0]!.result.stdout).toBe("hi\n");
  }, 90_000);
});
