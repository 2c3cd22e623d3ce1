/** The default SQLite saver stores large checkpoints and writes deflated, and reads plain ones too. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { Checkpoint } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { CompactSqliteSaver } from "../../checkpoints/compact-sqlite";

const table = Array.from({ length: 80 }, (_, i) => `${String(i).padStart(4)}  ${(i * 1.5).toFixed(1).padStart(6)}  row-${i}`).join("\n");

function checkpoint(id: string, extra: Record<string, unknown> = {}): Checkpoint {
  return {
    v: 4,
    id,
    ts: new Date().toISOString(),
    channel_values: { task: "summarise the table", observation: table, ...extra },
    channel_versions: { task: 1, observation: 2 },
    versions_seen: { coder: { "branch:to:coder": 1 } },
  };
}

describe("CompactSqliteSaver", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-compact-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("deflates large checkpoints and writes, keeps metadata as JSON, and round-trips them exactly", async () => {
    const db = new Database(join(dir, "a.sqlite"));
    const saver = new CompactSqliteSaver(db);
    const cell = { id: "c1", code: "print(df)", result: { status: "ok", stdout: table, stderr: "", results: [] } };
    const config = await saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, checkpoint("1f000000-0000-6000-8000-000000000001"), { source: "loop", step: 1, parents: {} });
    await saver.putWrites(config, [["cells", cell], ["tokens", 12]], "task-1");

    const row = db.prepare("SELECT checkpoint, metadata FROM checkpoints").get() as { checkpoint: Buffer; metadata: Buffer };
    expect(row.checkpoint[0]).toBe(0);
    expect(row.checkpoint.length).toBeLessThan(JSON.stringify(checkpoint("x")).length / 3);
    expect(JSON.parse(row.metadata.toString())).toEqual({ source: "loop", step: 1, parents: {} });
    const writes = db.prepare("SELECT channel, type, LENGTH(value) AS n FROM writes ORDER BY idx").all() as { channel: string; type: string; n: number }[];
    expect(writes.map((w) => [w.channel, w.type])).toEqual([["cells", "json+deflate64-d1"], ["tokens", "json"]]);
    expect(writes[0]!.n).toBeLessThan(JSON.stringify(cell).length / 2);

    const tuple = await saver.getTuple({ configurable: { thread_id: "t" } });
    expect(tuple?.checkpoint.channel_values).toEqual(checkpoint("x").channel_values);
    expect(tuple?.pendingWrites).toEqual([["task-1", "cells", cell], ["task-1", "tokens", 12]]);
    // Metadata filters run in SQL on the JSON column.
    const found = [];
    for await (const t of saver.list({ configurable: { thread_id: "t" } }, { filter: { source: "loop" } })) found.push(t.checkpoint.id);
    expect(found).toEqual(["1f000000-0000-6000-8000-000000000001"]);
    db.close();
  });

  it("reads a database written by the plain SqliteSaver, and continues it", async () => {
    const path = join(dir, "old.sqlite");
    const old = new Database(path);
    const plain = new SqliteSaver(old);
    const c1 = await plain.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, checkpoint("1f000000-0000-6000-8000-000000000001"), { source: "loop", step: 1, parents: {} });
    await plain.putWrites(c1, [["observation", table]], "task-1");
    old.close();

    const db = new Database(path);
    const saver = new CompactSqliteSaver(db);
    const before = await saver.getTuple(c1);
    expect(before?.checkpoint.channel_values.observation).toBe(table);
    expect(before?.pendingWrites).toEqual([["task-1", "observation", table]]);
    await saver.put(c1, checkpoint("1f000000-0000-6000-8000-000000000002", { step: 2 }), { source: "loop", step: 2, parents: {} });
    const ids = [];
    for await (const t of saver.list({ configurable: { thread_id: "t" } })) ids.push([t.checkpoint.id, t.checkpoint.channel_values.step ?? null]);
    expect(ids).toEqual([
      ["1f000000-0000-6000-8000-000000000002", 2],
      ["1f000000-0000-6000-8000-000000000001", null],
    ]);
    db.close();
  });
});
