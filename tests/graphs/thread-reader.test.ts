/**
 * Reading a thread costs its length, not its square: a real two-turn thread (scripted models, the
 * Docker kernel, the SQLite store `codeact run` uses) read through the thread reader gives exactly
 * the snapshots LangGraph gives from the store, while the store is asked for the thread once.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createCheckpointer } from "../../checkpoints/savers";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph, threadGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { openThread, readThreadState, threadHistory } from "../../graphs/threads";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { historyText } from "../../cli/turns-text";

const plan = JSON.stringify({ steps: [{ description: "count", doneCriterion: "printed" }] });
const done = JSON.stringify({ verdict: "done", answer: "done" });

/** The saver, counting the reads LangGraph and the reader make of it. */
function counting(saver: BaseCheckpointSaver) {
  const calls = { getTuple: 0, list: 0 };
  const proxy = new Proxy(saver, {
    get(target, key, receiver) {
      if (key === "getTuple" || key === "list") calls[key]++;
      return Reflect.get(target, key, receiver);
    },
  });
  return { proxy, calls };
}

describe("thread reader", () => {
  const dir = mkdtempSync(join(tmpdir(), "codeact-reader-"));
  const executor = new DockerJupyterExecutor();
  let store: Awaited<ReturnType<typeof createCheckpointer>>;

  beforeAll(async () => {
    store = await createCheckpointer({ kind: "sqlite", path: join(dir, "c.sqlite") });
    let i = 0;
    const coder = new ScriptedChatModel({ script: [() => (i < 12 ? `<execute>\nv_${i} = ${i}\nprint(v_${i++})\n</execute>` : "<solution>done</solution>")], whenExhausted: "repeat-last" });
    const models = { planner: new ScriptedChatModel({ script: [plan], whenExhausted: "repeat-last" }), coder, critic: new ScriptedChatModel({ script: [done], whenExhausted: "repeat-last" }) };
    const graph = createCodeActGraph({ models, executor, checkpointer: store.saver });
    await runCodeAct(graph, "count", { threadId: "long" });
    i = 6; // the follow-up runs six more cells
    await runCodeAct(graph, "count on", { threadId: "long" });
  }, 180_000);

  afterAll(async () => {
    await store.close();
    await executor.shutdown();
    rmSync(dir, { recursive: true, force: true });
  });

  it("gives every checkpoint's snapshot exactly as LangGraph reads it from the store", async () => {
    const direct = [];
    for await (const s of threadGraph(store.saver).getStateHistory({ configurable: { thread_id: "long" } })) direct.push(s);
    const read = [];
    for await (const s of threadGraph(await openThread(store.saver, "long")).getStateHistory({ configurable: { thread_id: "long" } })) read.push(s);
    expect(direct.length).toBeGreaterThan(40);
    expect((direct[0]!.values as { cells: unknown[] }).cells).toHaveLength(18);
    expect(read.map((s) => [s.values, s.next, s.metadata, s.config, s.parentConfig, s.createdAt, s.tasks])).toEqual(direct.map((s) => [s.values, s.next, s.metadata, s.config, s.parentConfig, s.createdAt, s.tasks]));
    const state = (await threadGraph(store.saver).getState({ configurable: { thread_id: "long" } })).values;
    expect(await readThreadState(store.saver, "long")).toEqual(state);
  });

  it("asks the store for the thread once, however long it is", async () => {
    const { proxy, calls } = counting(store.saver);
    const text = await historyText(proxy, "long");
    expect(text).toContain("turn 2 (done): count on");
    expect(text).toContain("(6 cells)");
    // Before: every checkpoint's snapshot walked all its ancestors (here 1,122 getTuple calls).
    expect(calls).toEqual({ getTuple: 0, list: 1 });
    const entries = await threadHistory(proxy, "long");
    expect(entries.at(-1)!.summary).toContain("18 cells");
  });

  it("refuses to write", async () => {
    const reader = await openThread(store.saver, "long");
    await expect(reader.putWrites()).rejects.toMatchObject({ code: "internal" });
  });
});
