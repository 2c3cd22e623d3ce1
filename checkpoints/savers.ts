/**
 * Checkpointers: SQLite file by default (under CODEACT_HOME), Postgres for shared deployments,
 * memory for tests. A file that is not a codeact checkpoint database is refused, never overwritten.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { z } from "zod";
import { MemoryArtifactStore } from "./artifacts/memory";
import { SqliteArtifactStore } from "./artifacts/sqlite";
import { type ArtifactStore, artifactLimitsFromEnv } from "./artifacts/store";
import { CompactSqliteSaver } from "./compact-sqlite";
import { checkpointerConfigFromEnv, checkSqliteFile, defaultSqlitePath, openSqliteForReading, openSqliteForWriting } from "./sqlite-file";
import { GuardedMemorySaver, GuardedSerializer, maxWriteBytesFromEnv } from "./guard";
import { MemoryThreadSettingsStore, type ThreadSettingsStore } from "./thread-settings";
import { SqliteThreadSettingsStore } from "./thread-settings/sqlite";
import { postgresError } from "./postgres-errors";
import { CodeActError, redactSecrets } from "../errors";

export { checkpointerConfigFromEnv, checkSqliteFile, defaultSqlitePath };

export const CheckpointerConfigSchema = z.object({
  kind: z.enum(["sqlite", "postgres", "memory"]).default("sqlite"),
  /** SQLite file; default $CODEACT_HOME/checkpoints.sqlite. */
  path: z.string().optional(),
  /** Postgres connection string. */
  connectionString: z.string().optional(),
  /** For commands that only read (threads, history, export): never creates or changes the SQLite file. */
  readOnly: z.boolean().default(false),
});
export type CheckpointerConfig = z.input<typeof CheckpointerConfigSchema>;

export interface Checkpointer {
  saver: BaseCheckpointSaver;
  /** Large cell outputs and tool records, beside the checkpoints (same file / database / process). */
  artifacts: ArtifactStore;
  /** What each thread runs with (model, executor, limits, approval), append-only, beside the checkpoints. */
  settings: ThreadSettingsStore;
  kind: "sqlite" | "postgres" | "memory";
  /** Where the checkpoints live, for messages ("resume with …"). */
  location: string;
  /** SQLite file path or Postgres connection string (for locks); undefined for memory. */
  target?: string;
  close(): Promise<void>;
  /** `await using store = await createCheckpointer()` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void>;
}

/**
 * Several workers starting at once on a fresh database would race in the saver's
 * CREATE TABLE IF NOT EXISTS (Postgres can fail one with a duplicate pg_type key): take turns.
 */
async function setupSerialized(connectionString: string, setup: () => Promise<void>): Promise<void> {
  // Postgres modules load only for a Postgres store (~0.6 s a SQLite run or `codeact history` skips).
  const pg = require("pg") as typeof import("pg");
  const client = new pg.Client({ connectionString });
  client.on("error", () => undefined); // its queries fail on their own; no unhandled 'error' event
  await client.connect();
  try {
    await client.query("SELECT pg_advisory_lock(hashtextextended('codeact-checkpoint-setup', 0))");
    await setup();
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtextextended('codeact-checkpoint-setup', 0))").catch(() => undefined);
    await client.end();
  }
}

function disposable(store: Omit<Checkpointer, typeof Symbol.asyncDispose>): Checkpointer {
  return { ...store, [Symbol.asyncDispose]: () => store.close() };
}

export async function createCheckpointer(config: CheckpointerConfig = checkpointerConfigFromEnv()): Promise<Checkpointer> {
  const c = CheckpointerConfigSchema.parse(config);
  // Every saver refuses a write that would not read back or is past the size limit (checkpoints/guard.ts).
  const maxWriteBytes = maxWriteBytesFromEnv();
  const limits = artifactLimitsFromEnv();
  if (c.kind === "memory") {
    const saver = new GuardedMemorySaver(maxWriteBytes);
    return disposable({ saver, artifacts: new MemoryArtifactStore(limits), settings: new MemoryThreadSettingsStore(), kind: "memory", location: "memory", close: async () => undefined });
  }
  if (c.kind === "postgres") {
    if (!c.connectionString) throw new CodeActError("usage", "Postgres checkpoints need a connection string:", { hint: "set CODEACT_POSTGRES_URL (or DATABASE_URL) or give connectionString.", step: "set_postgres_url" });
    // Loaded only for a Postgres store: `codeact threads`/`history` on SQLite never pay for pg.
    const pg = require("pg") as typeof import("pg");
    const { PostgresSaver } = require("@langchain/langgraph-checkpoint-postgres") as typeof import("@langchain/langgraph-checkpoint-postgres");
    const { PostgresArtifactStore } = require("./artifacts/postgres") as typeof import("./artifacts/postgres");
    const { PostgresThreadSettingsStore } = require("./thread-settings/postgres") as typeof import("./thread-settings/postgres");
    const pool = new pg.Pool({ connectionString: c.connectionString, application_name: "codeact" });
    // An idle pooled connection that breaks (server restart, terminated backend) makes the pool emit
    // 'error'; unhandled, that kills the process with a stack. The pool drops that client by itself,
    // and the next query gets a working one or fails with an error the run reports.
    pool.on("error", () => undefined);
    // A client checked out by the saver has no pool listener: its query rejects, and this keeps the
    // same break from also surfacing as an unhandled 'error' event.
    pool.on("connect", (client) => void client.on("error", () => undefined));
    const saver = new PostgresSaver(pool, new GuardedSerializer(new JsonPlusSerializer(), maxWriteBytes));
    const artifacts = new PostgresArtifactStore(c.connectionString, limits);
    const settings = new PostgresThreadSettingsStore(c.connectionString);
    try {
      await setupSerialized(c.connectionString, () => saver.setup());
      await artifacts.setup();
      await settings.setup();
    } catch (err) {
      await Promise.all([saver.end(), artifacts.close(), settings.close()]).catch(() => undefined);
      throw postgresError(err, c.connectionString);
    }
    const close = async () => void (await Promise.all([saver.end(), artifacts.close(), settings.close()]));
    return disposable({ saver, artifacts, settings, kind: "postgres", location: redactSecrets(c.connectionString), target: c.connectionString, close });
  }
  const path = c.path ?? defaultSqlitePath();
  if (c.readOnly) {
    const { db, note } = openSqliteForReading(path);
    if (note) process.stderr.write(`${note}\n`);
    return disposable({ saver: new CompactSqliteSaver(db), artifacts: new SqliteArtifactStore(db, limits), settings: new SqliteThreadSettingsStore(db), kind: "sqlite", location: path, target: path, close: async () => void db.close() });
  }
  const db = openSqliteForWriting(path);
  // Rows of a CodeAct run are ~0.1-1.5 KB; 8 KB pages leave less unused space than 4 KB ones
  // (takes effect for a new file only).
  db.pragma("page_size = 8192");
  // WAL lets a reader (codeact history/export) work while a run writes.
  db.pragma("journal_mode = WAL");
  const saver = new CompactSqliteSaver(db, { maxWriteBytes });
  // Same file as the checkpoints (see checkpoints/artifacts/sqlite.ts for why).
  const artifacts = new SqliteArtifactStore(db, limits);
  return disposable({ saver, artifacts, settings: new SqliteThreadSettingsStore(db), kind: "sqlite", location: path, target: path, close: async () => void db.close() });
}
