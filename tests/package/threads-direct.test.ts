/**
 * `codeact threads` on SQLite reads the file directly (no LangGraph, for start-up): it must agree
 * with the saver's own listing, for deflated rows, plain ones (files of the plain SqliteSaver), and
 * runs still in progress; and refuse a file that is not a checkpoint store, as the saver does.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createCheckpointer } from "../../checkpoints/savers";
import { listSqliteThreads } from "../../checkpoints/sqlite-file";
import { listThreads } from "../../graphs/threads";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { LocalJupyterExecutor } from "../../executors/local";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";

/** Runs that answer without code, so no kernel starts; `finish: false` stops at the approval of its first action. */
async function addRun(saver: BaseCheckpointSaver, threadId: string, task: string, finish = true): Promise<void> {
  const planner = new ScriptedChatModel({ script: ['{"steps": [{"description": "answer", "doneCriterion": "answered"}]}'] });
  const coder = new ScriptedChatModel({ script: [finish ? "<solution>42</solution>" : "<execute>\nprint(42)\n</execute>"] });
  const critic = new ScriptedChatModel({ script: ['{"verdict": "done", "feedback": "", "answer": "42"}'] });
  const graph = createCodeActGraph({ models: { planner, coder, critic }, executor: new LocalJupyterExecutor(), checkpointer: saver, limits: { approve: !finish } });
  await runCodeAct(graph, task, { threadId });
}

describe("threads read directly from SQLite", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-threads-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("lists what the saver lists: deflated rows, a long task, a run in progress", async () => {
    const path = join(dir, "checkpoints.sqlite");
    const store = await createCheckpointer({ kind: "sqlite", path });
    try {
      await addRun(store.saver, "short", "mean of 1..10");
      await addRun(store.saver, "long", `summarise ${"a very long task ".repeat(100)}`);
      await addRun(store.saver, "unfinished", "stops before its first action", false);
      const viaSaver = await listThreads(store.saver);
      expect(viaSaver.map((t) => t.threadId).sort()).toEqual(["long", "short", "unfinished"]);
      expect(listSqliteThreads(path)).toEqual(viaSaver);
    } finally {
      await store.close();
    }
  });

  it("reads a file of the plain SqliteSaver the same way", async () => {
    const path = join(dir, "plain.sqlite");
    const db = new Database(path);
    const saver = new SqliteSaver(db);
    await addRun(saver, "plain", "a task");
    const viaSaver = await listThreads(saver);
    db.close();
    expect(listSqliteThreads(path)).toEqual(viaSaver);
  });

  it("an absent file is no runs; a foreign file is refused, not read", () => {
    expect(listSqliteThreads(join(dir, "absent.sqlite"))).toEqual([]);
    const foreign = join(dir, "notes.txt");
    writeFileSync(foreign, "not a database at all");
    expect(() => listSqliteThreads(foreign)).toThrow(/is not a SQLite database/);
  });
});
