/** Lock holders and run records of a store's threads, read from its own database: the facts the status rule needs. */
import { memoryThreadRuns, pgRunFacts, type RunFacts } from "./lock";
import { postgresError } from "./postgres-errors";
import type { Checkpointer } from "./savers";
import { openSqliteForReading, sqliteRunFacts } from "./sqlite-file";

/** Lock holders and run records of a store's threads, from its own database. */
export async function runFactsOf(store: Checkpointer, threadIds: string[]): Promise<RunFacts> {
  if (store.kind === "memory") {
    const facts: RunFacts = { holders: new Map(), records: new Map() };
    for (const id of threadIds) {
      if (memoryThreadRuns.held(id)) facts.holders.set(id, "this process");
      const r = memoryThreadRuns.record(id);
      if (r) facts.records.set(id, r);
    }
    return facts;
  }
  if (store.kind === "sqlite") {
    const { db } = openSqliteForReading(store.target!);
    try {
      return sqliteRunFacts(db);
    } finally {
      db.close();
    }
  }
  const pg = require("pg") as typeof import("pg");
  const client = new pg.Client({ connectionString: store.target });
  client.on("error", () => undefined);
  await client.connect().catch((err: unknown) => {
    throw postgresError(err, store.target!);
  });
  try {
    return await pgRunFacts(client, threadIds);
  } finally {
    await client.end().catch(() => undefined);
  }
}
