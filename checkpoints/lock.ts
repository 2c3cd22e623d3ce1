/**
 * One process runs a thread at a time: two processes resuming the same thread would interleave
 * their checkpoints and run cells twice. SQLite: a lease row in the checkpoint database, taken over
 * when its owner is gone. Postgres: a session-level advisory lock, released by the server if the
 * owner crashes.
 */
import { hostname } from "node:os";
import Database from "better-sqlite3";
import type pg from "pg";
import type { Checkpointer } from "./savers";

/** Loaded when a Postgres lock is taken: `threads` and `history` on SQLite never load the pg client. */
const pgModule = () => require("pg") as typeof import("pg");
import { LEASE_MS, type RunRecord, type RunRecordState, sqliteHolderAlive } from "./thread-status";
import { CodeActError, redactSecrets } from "../errors";

export interface ThreadLock {
  release(): Promise<void>;
  /**
   * Records how the run ended (paused, finished, error), before release. Taking the lock records
   * "running"; a row left at "running" with no live holder is how a crash is told from a pause.
   */
  recordStop(state: Exclude<RunRecordState, "running">, detail?: string): Promise<void>;
  /**
   * Calls `listener` once if the lock is lost while held (its Postgres connection dropped: the
   * server has released it, so another worker may take the thread). The holder must stop at once.
   */
  onLost(listener: (err: Error) => void): void;
}

const never = () => undefined;

export class ThreadBusyError extends CodeActError {
  constructor(
    threadId: string,
    readonly holder: string,
  ) {
    super("conflict", `Thread ${threadId} is being run by ${holder}.`, { hint: "Wait for that run to finish (or stop it) before resuming; a second run would duplicate its cells." });
    this.name = "ThreadBusyError";
  }
}

export class LockLostError extends CodeActError {
  constructor(threadId: string, why: string) {
    super("store", `Lost the database connection that holds thread ${threadId}'s lock (${why}); the run stopped so that no other worker runs it at the same time.`);
    this.name = "LockLostError";
  }
}

const memoryLocks = new Set<string>();
const memoryRuns = new Map<string, RunRecord>();

/** One row per thread: its last run, started ("running") or stopped cleanly; same database as the checkpoints. */
export const RUNS_TABLE_SQL = "CREATE TABLE IF NOT EXISTS codeact_thread_runs (thread_id TEXT PRIMARY KEY, state TEXT NOT NULL, detail TEXT NOT NULL, pid INTEGER NOT NULL, host TEXT NOT NULL, at TEXT NOT NULL)";
const UPSERT_RUN = "INSERT INTO codeact_thread_runs VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (thread_id) DO UPDATE SET state = excluded.state, detail = excluded.detail, pid = excluded.pid, host = excluded.host, at = excluded.at";
// The detail is an error's text: `codeact threads --json` shows it to anyone who reads the store.
const runRow = (threadId: string, state: RunRecordState, detail = "") => [threadId, state, redactSecrets(detail).slice(0, 2000), process.pid, hostname(), new Date().toISOString()];

/** The advisory lock key of a thread (Postgres). */
export const pgLockKey = (threadId: string) => `codeact-thread:${threadId}`;

function sqliteLock(path: string, threadId: string): ThreadLock {
  const db = new Database(path);
  db.pragma("busy_timeout = 5000");
  db.exec("CREATE TABLE IF NOT EXISTS codeact_locks (thread_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, acquired_at TEXT NOT NULL, heartbeat_at INTEGER NOT NULL)");
  db.exec(RUNS_TABLE_SQL);
  const upsertRun = db.prepare(UPSERT_RUN.replace(/\$\d/g, "?"));
  const me = { pid: process.pid, host: hostname() };
  const take = db.transaction(() => {
    const row = db.prepare("SELECT pid, host, acquired_at, heartbeat_at FROM codeact_locks WHERE thread_id = ?").get(threadId) as
      | { pid: number; host: string; acquired_at: string; heartbeat_at: number }
      | undefined;
    if (row) {
      const ours = row.host === me.host && row.pid === me.pid;
      if (!ours && sqliteHolderAlive(row, me.host)) throw new ThreadBusyError(threadId, `pid ${row.pid} on ${row.host} since ${row.acquired_at}`);
    }
    db.prepare("INSERT OR REPLACE INTO codeact_locks VALUES (?, ?, ?, ?, ?)").run(threadId, me.pid, me.host, new Date().toISOString(), Date.now());
    upsertRun.run(...runRow(threadId, "running"));
  });
  try {
    take.immediate();
  } catch (err) {
    db.close();
    throw err;
  }
  const beat = setInterval(() => {
    try {
      db.prepare("UPDATE codeact_locks SET heartbeat_at = ? WHERE thread_id = ? AND pid = ?").run(Date.now(), threadId, me.pid);
    } catch {
      /* the next beat retries */
    }
  }, LEASE_MS / 3);
  beat.unref();
  return {
    onLost: never,
    recordStop: async (state, detail) => void upsertRun.run(...runRow(threadId, state, detail)),
    release: async () => {
      clearInterval(beat);
      db.prepare("DELETE FROM codeact_locks WHERE thread_id = ? AND pid = ? AND host = ?").run(threadId, me.pid, me.host);
      db.close();
    },
  };
}

async function postgresLock(connectionString: string, threadId: string): Promise<ThreadLock> {
  // Named, so an operator (or a test) can see which backend holds which thread's lock.
  const client = new (pgModule().Client)({ connectionString, application_name: `codeact-lock:${threadId}`.slice(0, 63) });
  // pg emits 'error' on the client when its connection breaks (server stopped, backend terminated,
  // network gone); unhandled, that event kills the process with a stack. Here it means the lock is gone.
  let lost: Error | undefined;
  let releasing = false;
  const listeners: ((err: Error) => void)[] = [];
  const loseLock = (why: Error | undefined) => {
    if (lost || releasing) return;
    lost = new LockLostError(threadId, why?.message ?? "connection closed");
    for (const l of listeners.splice(0)) l(lost);
  };
  client.on("error", loseLock);
  client.on("end", () => loseLock(undefined));
  await client.connect();
  const key = pgLockKey(threadId);
  const tryLock = async () => (await client.query<{ ok: boolean }>("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS ok", [key])).rows[0]?.ok === true;
  // A holder that was just killed keeps its lock until the server notices the dead connection:
  // give that a moment before calling the thread busy.
  let locked = await tryLock();
  for (let i = 0; !locked && i < 15; i++) {
    await new Promise((r) => setTimeout(r, 200));
    locked = await tryLock();
  }
  if (!locked) {
    const who = await client
      .query<{ pid: number; client_addr: string | null; backend_start: Date }>(
        "SELECT a.pid, a.client_addr, a.backend_start FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.objid = (hashtextextended($1, 0) & x'ffffffff'::bigint)::oid LIMIT 1",
        [key],
      )
      .catch(() => ({ rows: [] as { pid: number; client_addr: string | null; backend_start: Date }[] }));
    await client.end();
    const h = who.rows[0];
    throw new ThreadBusyError(threadId, h ? `Postgres backend ${h.pid} (${h.client_addr ?? "local"}) since ${h.backend_start.toISOString()}` : "another process");
  }
  try {
    await ensurePgRunsTable(client);
    await client.query(UPSERT_RUN, runRow(threadId, "running"));
  } catch (err) {
    await client.end().catch(() => undefined);
    throw err;
  }
  return {
    recordStop: async (state, detail) => {
      // The lock's own connection, or (when that is what broke) a short one of its own.
      if (!lost) return void (await client.query(UPSERT_RUN, runRow(threadId, state, detail)));
      const other = new (pgModule().Client)({ connectionString });
      other.on("error", () => undefined);
      await other.connect();
      try {
        await other.query(UPSERT_RUN, runRow(threadId, state, detail));
      } finally {
        await other.end().catch(() => undefined);
      }
    },
    onLost: (listener) => {
      if (lost) listener(lost);
      else listeners.push(listener);
    },
    release: async () => {
      releasing = true;
      if (lost) return void (await client.end().catch(() => undefined));
      await client.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [key]).catch(() => undefined);
      await client.end().catch(() => undefined);
    },
  };
}

/** Creates the runs table; workers starting at once on a fresh database take turns (CREATE IF NOT EXISTS races in Postgres). */
export async function ensurePgRunsTable(client: pg.ClientBase): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query("SELECT pg_advisory_xact_lock(hashtextextended('codeact-runs-setup', 0))");
    await client.query(RUNS_TABLE_SQL);
    await client.query("COMMIT");
  } catch (err) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw err;
  }
}

export async function lockThread(store: Checkpointer, threadId: string): Promise<ThreadLock> {
  if (store.kind === "sqlite") return sqliteLock(store.target!, threadId);
  if (store.kind === "postgres") return postgresLock(store.target!, threadId);
  if (memoryLocks.has(threadId)) throw new ThreadBusyError(threadId, "this process");
  memoryLocks.add(threadId);
  const record = (state: RunRecordState, detail = "") => void memoryRuns.set(threadId, { state, detail: redactSecrets(detail), pid: process.pid, host: hostname(), at: new Date().toISOString() });
  record("running");
  return { onLost: never, recordStop: async (state, detail) => record(state, detail), release: async () => void memoryLocks.delete(threadId) };
}

/** A memory store's run records and holders (this process only). */
export const memoryThreadRuns = {
  record: (threadId: string) => memoryRuns.get(threadId),
  held: (threadId: string) => memoryLocks.has(threadId),
  forget: (threadId: string) => void memoryRuns.delete(threadId),
};

/** What the status rule needs from the lock side: who holds each thread now, and how its last run ended. */
export interface RunFacts {
  holders: Map<string, string>;
  records: Map<string, RunRecord>;
}

/** Live holders and run records of the given threads in a Postgres database. */
export async function pgRunFacts(client: pg.ClientBase, threadIds: string[]): Promise<RunFacts> {
  const held = await client.query<{ id: string; pid: number; since: Date | null; addr: string | null }>(
    `SELECT t.id, l.pid, a.backend_start AS since, a.client_addr AS addr FROM unnest($1::text[]) AS t(id)
       JOIN pg_locks l ON l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
        AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND l.classid = ((hashtextextended('codeact-thread:' || t.id, 0) >> 32) & x'ffffffff'::bigint)::oid
        AND l.objid = (hashtextextended('codeact-thread:' || t.id, 0) & x'ffffffff'::bigint)::oid
       LEFT JOIN pg_stat_activity a ON a.pid = l.pid`,
    [threadIds],
  );
  const holders = new Map(held.rows.map((r) => [r.id, `Postgres backend ${r.pid} (${r.addr ?? "local"})${r.since ? ` since ${r.since.toISOString()}` : ""}`]));
  const records = new Map<string, RunRecord>();
  const exists = (await client.query<{ t: string | null }>("SELECT to_regclass('codeact_thread_runs')::text AS t")).rows[0]?.t;
  if (exists) {
    const rows = await client.query<RunRecord & { thread_id: string }>("SELECT thread_id, state, detail, pid, host, at FROM codeact_thread_runs WHERE thread_id = ANY($1::text[])", [threadIds]);
    for (const { thread_id, ...r } of rows.rows) records.set(thread_id, r);
  }
  return { holders, records };
}

/** Deletes a thread's rows from every per-thread codeact table that exists (Postgres). */
export async function pgPurgeThread(client: pg.ClientBase, threadId: string, tables: string[]): Promise<void> {
  for (const table of tables) {
    if (!/^[a-z_]+$/.test(table)) throw new CodeActError("internal", `not a table name: ${table}`);
    const exists = (await client.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table])).rows[0]?.t;
    if (exists) await client.query(`DELETE FROM ${table} WHERE thread_id = $1`, [threadId]);
  }
}
