/**
 * One process runs a thread at a time: two processes resuming the same thread would interleave
 * their checkpoints and run cells twice. SQLite: a lease row in the checkpoint database, taken over
 * when its owner is gone. Postgres: a session-level advisory lock, released by the server if the
 * owner crashes.
 */
import { hostname } from "node:os";
import Database from "better-sqlite3";
import pg from "pg";
import type { Checkpointer } from "./savers";
import { pidAlive } from "../executors/pid";

export interface ThreadLock {
  release(): Promise<void>;
  /**
   * Calls `listener` once if the lock is lost while held (its Postgres connection dropped: the
   * server has released it, so another worker may take the thread). The holder must stop at once.
   */
  onLost(listener: (err: Error) => void): void;
}

const never = () => undefined;

export class ThreadBusyError extends Error {
  constructor(threadId: string, holder: string) {
    super(`Thread ${threadId} is being run by ${holder}. Wait for that run to finish (or stop it) before resuming; a second run would duplicate its cells.`);
    this.name = "ThreadBusyError";
  }
}

export class LockLostError extends Error {
  constructor(threadId: string, why: string) {
    super(`Lost the database connection that holds thread ${threadId}'s lock (${why}); the run stopped so that no other worker runs it at the same time.`);
    this.name = "LockLostError";
  }
}

const LEASE_MS = 30_000;
const memoryLocks = new Set<string>();

function sqliteLock(path: string, threadId: string): ThreadLock {
  const db = new Database(path);
  db.pragma("busy_timeout = 5000");
  db.exec("CREATE TABLE IF NOT EXISTS codeact_locks (thread_id TEXT PRIMARY KEY, pid INTEGER NOT NULL, host TEXT NOT NULL, acquired_at TEXT NOT NULL, heartbeat_at INTEGER NOT NULL)");
  const me = { pid: process.pid, host: hostname() };
  const take = db.transaction(() => {
    const row = db.prepare("SELECT pid, host, acquired_at, heartbeat_at FROM codeact_locks WHERE thread_id = ?").get(threadId) as
      | { pid: number; host: string; acquired_at: string; heartbeat_at: number }
      | undefined;
    if (row) {
      const ours = row.host === me.host && row.pid === me.pid;
      const live = row.host === me.host ? pidAlive(row.pid) : Date.now() - row.heartbeat_at < LEASE_MS;
      if (!ours && live) throw new ThreadBusyError(threadId, `pid ${row.pid} on ${row.host} since ${row.acquired_at}`);
    }
    db.prepare("INSERT OR REPLACE INTO codeact_locks VALUES (?, ?, ?, ?, ?)").run(threadId, me.pid, me.host, new Date().toISOString(), Date.now());
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
    release: async () => {
      clearInterval(beat);
      db.prepare("DELETE FROM codeact_locks WHERE thread_id = ? AND pid = ? AND host = ?").run(threadId, me.pid, me.host);
      db.close();
    },
  };
}

async function postgresLock(connectionString: string, threadId: string): Promise<ThreadLock> {
  // Named, so an operator (or a test) can see which backend holds which thread's lock.
  const client = new pg.Client({ connectionString, application_name: `codeact-lock:${threadId}`.slice(0, 63) });
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
  const key = `codeact-thread:${threadId}`;
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
  return {
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

export async function lockThread(store: Checkpointer, threadId: string): Promise<ThreadLock> {
  if (store.kind === "sqlite") return sqliteLock(store.target!, threadId);
  if (store.kind === "postgres") return postgresLock(store.target!, threadId);
  if (memoryLocks.has(threadId)) throw new ThreadBusyError(threadId, "this process");
  memoryLocks.add(threadId);
  return { onLost: never, release: async () => void memoryLocks.delete(threadId) };
}
