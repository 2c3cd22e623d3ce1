/**
 * A step whose state cannot be checkpointed fails loudly on every saver codeact creates (real
 * SQLite file, real Postgres, memory), instead of storing "[unable to serialize…]" and going on.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { type Checkpointer, type CheckpointerConfig, createCheckpointer } from "../../checkpoints/savers";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const State = Annotation.Root({ step: Annotation<number>, payload: Annotation<unknown> });

/** first → second: `second` writes whatever `payload()` makes. */
function graphWith(store: Checkpointer, payload: () => unknown) {
  return new StateGraph(State)
    .addNode("first", () => ({ step: 1, payload: "fine" }))
    .addNode("second", () => ({ step: 2, payload: payload() }))
    .addEdge(START, "first")
    .addEdge("first", "second")
    .addEdge("second", END)
    .compile({ checkpointer: store.saver });
}

const configs: [string, () => { config: CheckpointerConfig; done: () => void }][] = [
  [
    "sqlite",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "codeact-guard-"));
      return { config: { kind: "sqlite", path: join(dir, "cp.sqlite") }, done: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    "postgres",
    () => {
      const db: TestDatabase = createTestDatabase();
      return { config: { kind: "postgres", connectionString: db.url }, done: () => db.drop() };
    },
  ],
  ["memory", () => ({ config: { kind: "memory" }, done: () => undefined })],
];

describe.each(configs)("checkpoint writes that would not read back (%s)", (_name, open) => {
  let store: Checkpointer;
  let done: () => void;
  beforeEach(async () => {
    process.env.CODEACT_MAX_CHECKPOINT_WRITE_MB = "1";
    const o = open();
    done = o.done;
    store = await createCheckpointer(o.config);
  });
  afterEach(async () => {
    delete process.env.CODEACT_MAX_CHECKPOINT_WRITE_MB;
    await store.close();
    done();
  });

  it("fails the step when JSON cannot hold the value, and the thread reads back up to the previous step", async () => {
    // JSON.stringify throws on a BigInt, as it does on a string past V8's limit (85 images of 6.7 MB).
    const graph = graphWith(store, () => ({ count: BigInt(1) }));
    const config = { configurable: { thread_id: "t" }, durability: "sync" as const };
    await expect(graph.invoke({ step: 0 }, config)).rejects.toThrow(/graph state cannot be checkpointed: it does not serialize to JSON.*the run is kept up to the previous step/);
    const state = await graph.getState({ configurable: { thread_id: "t" } });
    expect(state.values).toEqual({ step: 1, payload: "fine" });
    expect(state.next).toEqual(["second"]);
  });

  it("fails the step when one write is over the size limit", async () => {
    const graph = graphWith(store, () => "x".repeat(2 * 1024 * 1024));
    const config = { configurable: { thread_id: "big" }, durability: "sync" as const };
    await expect(graph.invoke({ step: 0 }, config)).rejects.toThrow(/too large to checkpoint: one write of 2\.0 MB is over the limit of 1\.0 MB.*kept up to the previous step/);
    expect((await graph.getState({ configurable: { thread_id: "big" } })).values).toEqual({ step: 1, payload: "fine" });
  });
});
