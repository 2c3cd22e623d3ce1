/**
 * Artifacts in the checkpoint database's own SQLite file, in two codeact_ tables: the bytes once per
 * sha256, and which threads hold them. One file keeps a run whole: `--checkpoints file` moves,
 * copies or backs up checkpoints and artifacts together, and nothing can be lost between two files.
 * The checkpoint rows themselves stay small (a cell holds references), so reading history or
 * resuming never reads image bytes; stored raw (not base64) the bytes take 3/4 of their text size.
 */
import type Database from "better-sqlite3";
import { type ArtifactInfo, type ArtifactLimits, type ArtifactStore, checkLimits, DEFAULT_ARTIFACT_LIMITS, SHA256_HEX, type StoredArtifact, sha256Hex } from "./store";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS codeact_artifacts (sha256 TEXT PRIMARY KEY, bytes INTEGER NOT NULL, data BLOB NOT NULL, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS codeact_artifact_links (thread_id TEXT NOT NULL, sha256 TEXT NOT NULL REFERENCES codeact_artifacts(sha256), mime TEXT, created_at TEXT NOT NULL, PRIMARY KEY (thread_id, sha256));
CREATE INDEX IF NOT EXISTS codeact_artifact_links_sha256 ON codeact_artifact_links (sha256);
`;

export class SqliteArtifactStore implements ArtifactStore {
  readonly kind = "sqlite" as const;
  private ready = false;

  constructor(
    private readonly db: Database.Database,
    readonly limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
  ) {}

  private setup(): Database.Database {
    if (!this.ready) {
      // A store opened read-only (threads, history, export) cannot create tables; a file written
      // before artifacts existed simply has none to read.
      if (this.db.readonly) {
        const have = this.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'codeact_artifact_links'").get() as { n: number };
        if (!have.n) this.db.exec("CREATE TEMP TABLE codeact_artifacts (sha256 TEXT PRIMARY KEY, bytes INTEGER, data BLOB, created_at TEXT); CREATE TEMP TABLE codeact_artifact_links (thread_id TEXT, sha256 TEXT, mime TEXT, created_at TEXT)");
      } else this.db.exec(SCHEMA);
      this.ready = true;
    }
    return this.db;
  }

  async put(threadId: string, data: Uint8Array, info: { mime?: string } = {}): Promise<StoredArtifact> {
    const db = this.setup();
    const sha256 = sha256Hex(data);
    const now = new Date().toISOString();
    // IMMEDIATE: the limit check and the insert see the same thread total, also across processes.
    db.transaction(() => {
      if (db.prepare("SELECT 1 FROM codeact_artifact_links WHERE thread_id = ? AND sha256 = ?").get(threadId, sha256)) return;
      const used = (db.prepare("SELECT COALESCE(SUM(a.bytes), 0) AS n FROM codeact_artifact_links l JOIN codeact_artifacts a ON a.sha256 = l.sha256 WHERE l.thread_id = ?").get(threadId) as { n: number }).n;
      checkLimits(this.limits, threadId, data.length, used);
      db.prepare("INSERT OR IGNORE INTO codeact_artifacts (sha256, bytes, data, created_at) VALUES (?, ?, ?, ?)").run(sha256, data.length, Buffer.from(data.buffer, data.byteOffset, data.byteLength), now);
      db.prepare("INSERT INTO codeact_artifact_links (thread_id, sha256, mime, created_at) VALUES (?, ?, ?, ?)").run(threadId, sha256, info.mime ?? null, now);
    }).immediate();
    return { sha256, bytes: data.length };
  }

  async get(threadId: string, sha256: string): Promise<Buffer | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const row = this.setup()
      .prepare("SELECT a.data FROM codeact_artifact_links l JOIN codeact_artifacts a ON a.sha256 = l.sha256 WHERE l.thread_id = ? AND l.sha256 = ?")
      .get(threadId, sha256) as { data: Buffer } | undefined;
    return row?.data;
  }

  async list(threadId: string): Promise<ArtifactInfo[]> {
    const rows = this.setup()
      .prepare("SELECT l.sha256, a.bytes, l.mime, l.created_at FROM codeact_artifact_links l JOIN codeact_artifacts a ON a.sha256 = l.sha256 WHERE l.thread_id = ? ORDER BY l.created_at")
      .all(threadId) as { sha256: string; bytes: number; mime: string | null; created_at: string }[];
    return rows.map((r) => ({ sha256: r.sha256, bytes: r.bytes, ...(r.mime ? { mime: r.mime } : {}), createdAt: r.created_at }));
  }

  async share(fromThreadId: string, toThreadId: string, sha256s?: string[]): Promise<number> {
    const db = this.setup();
    const copy = db.prepare("INSERT OR IGNORE INTO codeact_artifact_links (thread_id, sha256, mime, created_at) SELECT ?, sha256, mime, ? FROM codeact_artifact_links WHERE thread_id = ? AND (? IS NULL OR sha256 = ?)");
    const now = new Date().toISOString();
    return db.transaction(() => {
      if (!sha256s) return copy.run(toThreadId, now, fromThreadId, null, null).changes;
      let added = 0;
      for (const sha of new Set(sha256s)) added += copy.run(toThreadId, now, fromThreadId, sha, sha).changes;
      return added;
    }).immediate();
  }

  async deleteThread(threadId: string): Promise<{ unlinked: number; deleted: number }> {
    const db = this.setup();
    return db.transaction(() => {
      const mine = (db.prepare("SELECT sha256 FROM codeact_artifact_links WHERE thread_id = ?").all(threadId) as { sha256: string }[]).map((r) => r.sha256);
      const unlinked = db.prepare("DELETE FROM codeact_artifact_links WHERE thread_id = ?").run(threadId).changes;
      const orphan = db.prepare("DELETE FROM codeact_artifacts WHERE sha256 = ? AND NOT EXISTS (SELECT 1 FROM codeact_artifact_links WHERE sha256 = ?)");
      let deleted = 0;
      for (const sha of mine) deleted += orphan.run(sha, sha).changes;
      return { unlinked, deleted };
    }).immediate();
  }

  /** The database connection belongs to the checkpointer, which closes it. */
  async close(): Promise<void> {}
}
