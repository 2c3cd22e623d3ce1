/**
 * LangGraph's own checkpointer validation suite, run against every saver configuration codeact
 * ships (memory, SQLite file, Postgres), each created through codeact's factory.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { validate } from "@langchain/langgraph-checkpoint-validation";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { type Checkpointer, createCheckpointer } from "../../checkpoints/savers";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

// The suite uses Vitest's expect.soft in a few places; under Jest a soft assertion becomes a hard one.
(expect as unknown as { soft: typeof expect }).soft ??= expect;

const open = new Map<BaseCheckpointSaver, Checkpointer>();
const track = (c: Checkpointer) => (open.set(c.saver, c), c.saver);
const destroy = async (saver: BaseCheckpointSaver) => {
  await open.get(saver)?.close();
  open.delete(saver);
};

validate({
  // Named after the underlying saver: the suite knows which upstream savers lack channel deltas and
  // marks those cases skipped with the reason.
  checkpointerName: "MemorySaver",
  createCheckpointer: async () => track(await createCheckpointer({ kind: "memory" })),
  destroyCheckpointer: destroy,
});

let sqliteDir: string;
validate({
  checkpointerName: "@langchain/langgraph-checkpoint-sqlite",
  beforeAll: () => void (sqliteDir = mkdtempSync(join(tmpdir(), "codeact-validate-"))),
  afterAll: () => rmSync(sqliteDir, { recursive: true, force: true }),
  // A fresh file per instance: the suite requires instances not to see each other's state.
  createCheckpointer: async () => track(await createCheckpointer({ kind: "sqlite", path: join(sqliteDir, `${Date.now()}-${Math.random()}.sqlite`) })),
  destroyCheckpointer: destroy,
});

let pg: TestDatabase[] = [];
validate({
  checkpointerName: "@langchain/langgraph-checkpoint-postgres",
  beforeAllTimeout: 60_000,
  afterAll: () => {
    for (const db of pg) db.drop();
    pg = [];
  },
  createCheckpointer: async () => {
    const db = createTestDatabase();
    pg.push(db);
    return track(await createCheckpointer({ kind: "postgres", connectionString: db.url }));
  },
  destroyCheckpointer: destroy,
});
