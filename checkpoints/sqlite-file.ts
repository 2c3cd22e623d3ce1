/**
 * Opening the SQLite checkpoint file safely: a file that is not a codeact checkpoint database is
 * refused, never overwritten; a directory or an unwritable location gets a message naming the path;
 * read-only commands work on a file they cannot write (a read-only mount, a colleague's copy).
 * Only node builtins and better-sqlite3 here: `codeact threads` lists runs from this module alone,
 * ~20 ms of imports instead of LangGraph's ~1 s.
 */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import Database from "better-sqlite3";
import { codeactHome } from "../executors/home";
import { BLOB_MARK, inflate, WRITE_TYPE } from "./compact-codec";
import type { RunFacts } from "./lock";
import type { CheckpointerConfig } from "./savers";
import { type RunRecord, sqliteHolderAlive, taskOf, type ThreadSummary, threadStatus, turnsOf, type Waiting, waitingOf } from "./thread-status";
import { CodeActError } from "../errors";

export function checkpointerConfigFromEnv(env: NodeJS.ProcessEnv = process.env): CheckpointerConfig {
  const url = env.CODEACT_POSTGRES_URL ?? env.DATABASE_URL;
  const kind = (env.CODEACT_CHECKPOINTER as CheckpointerConfig["kind"]) ?? (url ? "postgres" : "sqlite");
  return { kind, connectionString: url, path: env.CODEACT_CHECKPOINTS };
}

export function defaultSqlitePath(): string {
  return join(codeactHome(), "checkpoints.sqlite");
}

const SQLITE_MAGIC = "SQLite format 3\u0000";
/** Tables @langchain/langgraph-checkpoint-sqlite creates; an existing database must have exactly these. */
const OUR_TABLES = ["checkpoints", "writes"];
const hasTable = (db: Database.Database, name: string) => Boolean(db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name));
const MOVE = { hint: "Move it away or point CODEACT_HOME (or the SQLite path) elsewhere; codeact will not overwrite it.", step: "move_checkpoint_file" } as const;

/** "missing", "empty" (SQLite treats it as a new database) or "sqlite"; throws for anything else. */
function fileKind(path: string): "missing" | "empty" | "sqlite" {
  if (!existsSync(path)) return "missing";
  if (statSync(path).isDirectory()) {
    const file = join(path, "checkpoints.sqlite");
    throw new CodeActError("usage", `${path} is a directory, not a checkpoint file.`, { hint: `Give a file path (e.g. ${file}), or set CODEACT_HOME to the directory.`, step: "checkpoint_file_path", subject: file });
  }
  const fd = openSync(path, "r");
  const head = Buffer.alloc(16);
  let read: number;
  try {
    read = readSync(fd, head, 0, 16, 0);
  } finally {
    closeSync(fd);
  }
  if (read === 0) return "empty";
  if (read < 16 || head.toString("latin1") !== SQLITE_MAGIC) throw new CodeActError("store", `${path} is not a SQLite database (corrupt, or another kind of file).`, MOVE);
  return "sqlite";
}

/** SQLite's own words for a damaged file; anything else (busy, cannot open) is not damage. */
const DAMAGE = new Set(["SQLITE_CORRUPT", "SQLITE_NOTADB"]);
const isDamage = (err: unknown) => DAMAGE.has((err as { code?: string }).code ?? "");

function damaged(path: string, detail: string): CodeActError {
  return new CodeActError("store", `${path} is a damaged SQLite database (${detail}): cut short by a full disk or an unfinished copy, or overwritten in part.`, MOVE);
}

/** Throws unless `db` is intact and holds only codeact's tables. */
function checkTables(db: Database.Database, path: string): void {
  let tables: string[];
  try {
    // quick_check returns its findings as rows ("ok" when there are none) as often as it throws.
    const found = (db.pragma("quick_check") as { quick_check: string }[]).map((r) => r.quick_check);
    if (found.join() !== "ok") throw damaged(path, found.slice(0, 3).join("; "));
    tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  } catch (err) {
    throw err instanceof CodeActError ? err : damaged(path, (err as Error).message);
  }
  const foreign = tables.filter((t) => !OUR_TABLES.includes(t) && !t.startsWith("sqlite_") && !t.startsWith("codeact_"));
  if (foreign.length) throw new CodeActError("store", `${path} is a SQLite database of something else (tables: ${foreign.join(", ")}).`, MOVE);
}

/** Throws a clear error when `path` exists but is not (or not only) a codeact checkpoint database. */
export function checkSqliteFile(path: string): void {
  if (fileKind(path) !== "sqlite") return;
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    checkTables(db, path);
  } finally {
    db.close();
  }
}

function unwritable(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === "EROFS" ? "read-only file system" : code === "EACCES" || code === "EPERM" ? "permission denied" : code;
  }
}

/** The file opened for a run: created if missing; refused with a clear message where it cannot be written. */
export function openSqliteForWriting(path: string): Database.Database {
  const why = (p: string) => unwritable(p);
  const cannot = (reason: string) =>
    new CodeActError("store", `Cannot write ${path} (${reason}).`, {
      hint: "Runs, resumes and branches write checkpoints: point the SQLite path or CODEACT_HOME at a writable place. Reading a thread (its state, history, export) still works on this file.",
      step: "writable_checkpoints",
    });
  const dir = dirname(path);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw cannot(unwritable(dirname(dir)) ?? (err as Error).message);
  }
  const kind = fileKind(path);
  // SQLite writes its journal (-wal, -shm) beside the file, so the directory must be writable too.
  const reason = (kind !== "missing" ? why(path) : undefined) ?? why(dir);
  if (reason) throw cannot(reason);
  if (kind === "sqlite") checkSqliteFile(path);
  return new Database(path);
}

/**
 * The file opened for reading only, never created or changed. Where SQLite cannot even read it in
 * place (a WAL database on a read-only mount cannot get its shared-memory file), a private copy in
 * memory is read instead: what was checkpointed into the file, without a pending -wal.
 */
export function openSqliteForReading(path: string): { db: Database.Database; note?: string } {
  const kind = fileKind(path);
  if (kind !== "sqlite") return { db: new Database(":memory:") };
  try {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      db.prepare("SELECT count(*) FROM sqlite_master").get();
      checkTables(db, path);
      // A file without the saver's tables (a run that failed before its first checkpoint, or one
      // written before they were made at open): the saver would create them, a write this
      // connection cannot do, so it reads a private copy (with what the -wal holds) instead.
      if (!OUR_TABLES.every((t) => hasTable(db, t))) {
        const bytes = db.serialize();
        db.close();
        return { db: privateCopy(bytes, path) };
      }
      // The saver switches the file to WAL on first use, a write a read-only connection cannot do;
      // a file not yet in WAL mode has no -wal to miss, so the copy below reads all of it.
      if (db.pragma("journal_mode", { simple: true }) === "wal") return { db };
      db.close();
      return copyInMemory(path);
    } catch (err) {
      db.close();
      if (isDamage(err)) throw damaged(path, (err as Error).message);
      const code = (err as { code?: string }).code;
      if (code !== "SQLITE_CANTOPEN" && code !== "SQLITE_READONLY") throw err;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "SQLITE_CANTOPEN" && code !== "SQLITE_READONLY") throw err;
  }
  return copyInMemory(path);
}

/** A database in memory from a file's bytes; nothing done to it reaches the file. */
function privateCopy(bytes: Buffer, path: string): Database.Database {
  // Bytes 18-19 of the header say "WAL"; an in-memory copy has no WAL, so mark it rollback-journal.
  if (bytes[18] === 2) bytes[18] = bytes[19] = 1;
  const db = new Database(bytes);
  checkTables(db, path);
  return db;
}

function copyInMemory(path: string): { db: Database.Database; note?: string } {
  const db = privateCopy(readFileSync(path), path);
  const wal = `${path}-wal`;
  const note = existsSync(wal) && statSync(wal).size > 0 ? `Note: ${path} is read-only and has a pending ${wal}; the newest steps in it may not be shown.` : undefined;
  return { db, note };
}

/** A checkpoint or metadata column as JSON text; undefined for a serialisation this reader does not know. */
function decodeJson(type: string, data: Buffer | string): Record<string, unknown> | undefined {
  if (type !== "json") return undefined;
  const text = typeof data === "string" ? data : (data[0] === BLOB_MARK ? inflate(data.subarray(1)) : data).toString("utf8");
  return JSON.parse(text) as Record<string, unknown>;
}

/** A channel write (json, or CompactSqliteSaver's deflated base64 text); undefined for other serialisations. */
function decodeWrite(type: string, data: Buffer | string): unknown {
  if (type === WRITE_TYPE) return JSON.parse(inflate(Buffer.from(typeof data === "string" ? data : data.toString("latin1"), "base64")).toString("utf8"));
  return type === "json" ? JSON.parse(typeof data === "string" ? data : data.toString("utf8")) : undefined;
}

/**
 * Who holds each thread's lock now (a live process) and how each thread's last run ended, from the
 * codeact_locks and codeact_thread_runs tables (absent in files written before them: no facts).
 */
export function sqliteRunFacts(db: Database.Database): RunFacts {
  const holders = new Map<string, string>();
  if (hasTable(db, "codeact_locks")) {
    for (const row of db.prepare("SELECT thread_id, pid, host, acquired_at, heartbeat_at FROM codeact_locks").all() as { thread_id: string; pid: number; host: string; acquired_at: string; heartbeat_at: number }[]) {
      if (sqliteHolderAlive(row)) holders.set(row.thread_id, `pid ${row.pid} on ${row.host} since ${row.acquired_at}`);
    }
  }
  const records = new Map<string, RunRecord>();
  if (hasTable(db, "codeact_thread_runs")) {
    for (const { thread_id, ...r } of db.prepare("SELECT thread_id, state, detail, pid, host, at FROM codeact_thread_runs").all() as (RunRecord & { thread_id: string })[]) records.set(thread_id, r);
  }
  return { holders, records };
}

/** Cells per thread: one channel write per cell, plus the snapshot a branch starts from (its first checkpoint). */
function cellCounts(db: Database.Database): Map<string, number> | undefined {
  const counts = new Map<string, number>();
  if (!hasTable(db, "writes")) return counts;
  for (const r of db.prepare("SELECT thread_id, count(*) AS n FROM writes WHERE checkpoint_ns = '' AND channel = 'cells' GROUP BY thread_id").all() as { thread_id: string; n: number }[]) counts.set(r.thread_id, r.n);
  const branched = db
    .prepare(
      `SELECT thread_id, type, checkpoint FROM checkpoints c WHERE checkpoint_ns = '' AND CASE WHEN json_valid(CAST(metadata AS TEXT)) THEN json_extract(CAST(metadata AS TEXT), '$.source') END = 'update'
         AND checkpoint_id = (SELECT MIN(checkpoint_id) FROM checkpoints WHERE thread_id = c.thread_id AND checkpoint_ns = '')`,
    )
    .all() as { thread_id: string; type: string; checkpoint: Buffer }[];
  for (const row of branched) {
    const cp = decodeJson(row.type, row.checkpoint);
    if (!cp) return undefined;
    const snap = (cp.channel_values as Record<string, { value?: unknown[] }> | undefined)?.cells?.value;
    if (Array.isArray(snap)) counts.set(row.thread_id, (counts.get(row.thread_id) ?? 0) + snap.length);
  }
  return counts;
}

/** The interrupt pending at each thread's latest checkpoint (none once a resume value is written for it). */
function pendingInterrupts(db: Database.Database): Map<string, Waiting> | undefined {
  if (!hasTable(db, "writes")) return new Map();
  const rows = db
    .prepare(
      `SELECT w.thread_id, w.channel, w.type, w.value FROM writes w WHERE w.checkpoint_ns = '' AND w.channel IN ('__interrupt__', '__resume__')
         AND w.checkpoint_id = (SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = w.thread_id AND checkpoint_ns = '')`,
    )
    .all() as { thread_id: string; channel: string; type: string; value: Buffer | string }[];
  const waiting = new Map<string, Waiting>();
  const resumed = new Set(rows.filter((r) => r.channel === "__resume__").map((r) => r.thread_id));
  for (const r of rows) {
    if (r.channel !== "__interrupt__" || resumed.has(r.thread_id)) continue;
    const value = decodeWrite(r.type, r.value);
    if (value === undefined) return undefined;
    waiting.set(r.thread_id, waitingOf(value) ?? { kind: "interrupt", text: "" });
  }
  return waiting;
}

/**
 * Every thread in a SQLite checkpoint file, newest first, as listThreads gives them: task, honest
 * status, turns, cells, last activity and what waits. Undefined when a row is in a form only the
 * saver can read (the caller then asks the saver).
 */
export function listSqliteThreads(path: string): ThreadSummary[] | undefined {
  if (!existsSync(path)) return [];
  const { db, note } = openSqliteForReading(path);
  if (note) process.stderr.write(`${note}\n`);
  try {
    if (!hasTable(db, "checkpoints")) return [];
    const rows = db
      .prepare(
        `SELECT thread_id, type, checkpoint, metadata FROM checkpoints c WHERE checkpoint_ns = ''
           AND checkpoint_id = (SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = c.thread_id AND checkpoint_ns = '')`,
      )
      .all() as { thread_id: string; type: string; checkpoint: Buffer; metadata: Buffer | string }[];
    const cells = cellCounts(db);
    const waiting = pendingInterrupts(db);
    if (!cells || !waiting) return undefined;
    const facts = sqliteRunFacts(db);
    const threads: ThreadSummary[] = [];
    for (const row of rows) {
      const checkpoint = decodeJson(row.type, row.checkpoint);
      const metadata = decodeJson("json", row.metadata);
      if (!checkpoint) return undefined;
      const v = (checkpoint.channel_values ?? {}) as Record<string, unknown>;
      threads.push(
        summarise(row.thread_id, v, {
          cells: cells.get(row.thread_id) ?? 0,
          steps: Number(metadata?.step ?? 0),
          source: typeof metadata?.source === "string" ? metadata.source : undefined,
          updated: String(checkpoint.ts ?? ""),
          waiting: waiting.get(row.thread_id),
          holder: facts.holders.get(row.thread_id),
          record: facts.records.get(row.thread_id),
        }),
      );
    }
    return threads.sort((a, b) => b.updated.localeCompare(a.updated));
  } finally {
    db.close();
  }
}

/** One thread's listing from its latest values and the facts around them (shared with the saver's listing). */
export function summarise(
  threadId: string,
  v: Record<string, unknown>,
  f: { cells: number; steps: number; updated: string; source?: string; waiting?: Waiting; holder?: string; record?: RunRecord },
): ThreadSummary {
  // Before the planner's first step (only the input, or the input's step 0) no node has run: "".
  const started = f.steps > 0 || f.source === "update";
  const runStatus = !started ? "" : typeof v.status === "string" ? v.status : "running";
  const verdict = threadStatus({ runStatus: runStatus || undefined, statusDetail: typeof v.statusDetail === "string" ? v.statusDetail : "", waiting: f.waiting, holder: f.holder, record: f.record, source: f.source });
  return {
    threadId,
    task: taskOf(v),
    ...verdict,
    runStatus,
    turns: turnsOf(v),
    cells: f.cells,
    steps: f.steps,
    updated: f.updated,
    ...(f.waiting ? { waiting: f.waiting } : {}),
  };
}
