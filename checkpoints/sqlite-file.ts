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
import { BLOB_MARK, inflate } from "./compact-codec";
import type { CheckpointerConfig } from "./savers";
import type { ThreadSummary } from "./threads";

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
const MOVE = `Move it away or point CODEACT_HOME (or --checkpoints) elsewhere; codeact will not overwrite it.`;

/** "missing", "empty" (SQLite treats it as a new database) or "sqlite"; throws for anything else. */
function fileKind(path: string): "missing" | "empty" | "sqlite" {
  if (!existsSync(path)) return "missing";
  if (statSync(path).isDirectory()) {
    throw new Error(`${path} is a directory, not a checkpoint file. Pass a file path to --checkpoints (e.g. ${join(path, "checkpoints.sqlite")}), or set CODEACT_HOME to the directory.`);
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
  if (read < 16 || head.toString("latin1") !== SQLITE_MAGIC) throw new Error(`${path} is not a SQLite database (corrupt, or another kind of file). ${MOVE}`);
  return "sqlite";
}

/** Throws unless `db` is intact and holds only codeact's tables. */
function checkTables(db: Database.Database, path: string): void {
  let tables: string[];
  try {
    db.pragma("quick_check");
    tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name);
  } catch (err) {
    throw new Error(`${path} is a damaged SQLite database (${(err as Error).message}). ${MOVE}`);
  }
  const foreign = tables.filter((t) => !OUR_TABLES.includes(t) && !t.startsWith("sqlite_") && !t.startsWith("codeact_"));
  if (foreign.length) throw new Error(`${path} is a SQLite database of something else (tables: ${foreign.join(", ")}). ${MOVE}`);
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
    new Error(`Cannot write ${path} (${reason}). Runs, resumes and branches write checkpoints: point --checkpoints or CODEACT_HOME at a writable place. Reading commands (threads, history, export) still work on this file.`);
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
      // The saver switches the file to WAL on first use, a write a read-only connection cannot do;
      // a file not yet in WAL mode has no -wal to miss, so the copy below reads all of it.
      if (db.pragma("journal_mode", { simple: true }) === "wal") return { db };
      db.close();
      return copyInMemory(path);
    } catch (err) {
      db.close();
      const code = (err as { code?: string }).code;
      if (code !== "SQLITE_CANTOPEN" && code !== "SQLITE_READONLY") throw err;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== "SQLITE_CANTOPEN" && code !== "SQLITE_READONLY") throw err;
  }
  return copyInMemory(path);
}

function copyInMemory(path: string): { db: Database.Database; note?: string } {
  const bytes = readFileSync(path);
  // Bytes 18-19 of the header say "WAL"; an in-memory copy has no WAL, so mark it rollback-journal.
  if (bytes[18] === 2) bytes[18] = bytes[19] = 1;
  const db = new Database(bytes);
  checkTables(db, path);
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

/**
 * Every thread in a SQLite checkpoint file, newest first, as listThreads gives them: its latest
 * checkpoint's task and status. Undefined when a row is in a form only the saver can read (the
 * caller then asks the saver).
 */
export function listSqliteThreads(path: string): ThreadSummary[] | undefined {
  if (!existsSync(path)) return [];
  const { db, note } = openSqliteForReading(path);
  if (note) process.stderr.write(`${note}\n`);
  try {
    const hasTable = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'checkpoints'").get();
    if (!hasTable) return [];
    const rows = db
      .prepare(
        `SELECT thread_id, type, checkpoint, metadata FROM checkpoints c WHERE checkpoint_ns = ''
           AND checkpoint_id = (SELECT MAX(checkpoint_id) FROM checkpoints WHERE thread_id = c.thread_id AND checkpoint_ns = '')`,
      )
      .all() as { thread_id: string; type: string; checkpoint: Buffer; metadata: Buffer | string }[];
    const threads: ThreadSummary[] = [];
    for (const row of rows) {
      const checkpoint = decodeJson(row.type, row.checkpoint);
      const metadata = decodeJson("json", row.metadata);
      if (!checkpoint) return undefined;
      const v = (checkpoint.channel_values ?? {}) as Record<string, unknown>;
      threads.push({
        threadId: row.thread_id,
        task: String(v.task ?? ""),
        status: String(v.status ?? (v.task ? "running" : "empty")),
        steps: Number(metadata?.step ?? 0),
        updated: String(checkpoint.ts ?? ""),
      });
    }
    return threads.sort((a, b) => b.updated.localeCompare(a.updated));
  } finally {
    db.close();
  }
}
