/**
 * Artifacts in the Postgres database that holds the checkpoints (two codeact_ tables), so every
 * worker sharing the checkpointer reads the same artifacts, and one backup holds a run whole.
 */
import pg from "pg";
import { type ArtifactInfo, type ArtifactLimits, type ArtifactStore, checkLimits, DEFAULT_ARTIFACT_LIMITS, SHA256_HEX, type StoredArtifact, sha256Hex } from "./store";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS codeact_artifacts (sha256 TEXT PRIMARY KEY, bytes BIGINT NOT NULL, data BYTEA NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now());
CREATE TABLE IF NOT EXISTS codeact_artifact_links (thread_id TEXT NOT NULL, sha256 TEXT NOT NULL REFERENCES codeact_artifacts(sha256), mime TEXT, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), PRIMARY KEY (thread_id, sha256));
CREATE INDEX IF NOT EXISTS codeact_artifact_links_sha256 ON codeact_artifact_links (sha256);
`;
/** Serialises DDL and per-thread quota checks across workers. */
const LOCK_KEY = "codeact-artifacts";

export class PostgresArtifactStore implements ArtifactStore {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(
    connectionString: string,
    readonly limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS,
  ) {
    this.pool = new pg.Pool({ connectionString, max: 4, application_name: "codeact-artifacts" });
    // A pooled connection that breaks (server restart, terminated backend) emits 'error' on the pool,
    // or on a checked-out client; unhandled, either kills the process with a stack. The broken
    // client is dropped and the query that used it fails with an error the run reports.
    this.pool.on("error", () => undefined);
    this.pool.on("connect", (client) => void client.on("error", () => undefined));
  }

  /** Creates the tables (once per process; several workers at once take turns). */
  setup(): Promise<void> {
    this.ready ??= this.tx(async (c) => {
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [LOCK_KEY]);
      await c.query(SCHEMA);
    }).catch((err: Error) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private async tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query("BEGIN");
      const out = await fn(c);
      await c.query("COMMIT");
      return out;
    } catch (err) {
      await c.query("ROLLBACK").catch(() => undefined);
      throw err;
    } finally {
      c.release();
    }
  }

  async put(threadId: string, data: Uint8Array, info: { mime?: string } = {}): Promise<StoredArtifact> {
    await this.setup();
    const sha256 = sha256Hex(data);
    await this.tx(async (c) => {
      // One writer per thread at a time, so two workers cannot both pass the thread's quota check.
      await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 1))", [threadId]);
      if ((await c.query("SELECT 1 FROM codeact_artifact_links WHERE thread_id = $1 AND sha256 = $2", [threadId, sha256])).rowCount) return;
      const used = await c.query<{ n: string }>("SELECT COALESCE(SUM(a.bytes), 0) AS n FROM codeact_artifact_links l JOIN codeact_artifacts a ON a.sha256 = l.sha256 WHERE l.thread_id = $1", [threadId]);
      checkLimits(this.limits, threadId, data.length, Number(used.rows[0]!.n));
      // DO UPDATE (not NOTHING) locks the row, so a concurrent deleteThread cannot remove it before the link exists.
      await c.query("INSERT INTO codeact_artifacts (sha256, bytes, data) VALUES ($1, $2, $3) ON CONFLICT (sha256) DO UPDATE SET bytes = EXCLUDED.bytes", [sha256, data.length, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
      await c.query("INSERT INTO codeact_artifact_links (thread_id, sha256, mime) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING", [threadId, sha256, info.mime ?? null]);
    });
    return { sha256, bytes: data.length };
  }

  async get(threadId: string, sha256: string): Promise<Buffer | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    await this.setup();
    const r = await this.pool.query<{ data: Buffer }>("SELECT a.data FROM codeact_artifact_links l JOIN codeact_artifacts a ON a.sha256 = l.sha256 WHERE l.thread_id = $1 AND l.sha256 = $2", [threadId, sha256]);
    return r.rows[0]?.data;
  }

  async list(threadId: string): Promise<ArtifactInfo[]> {
    await this.setup();
    const r = await this.pool.query<{ sha256: string; bytes: string; mime: string | null; created_at: Date }>(
      "SELECT l.sha256, a.bytes, l.mime, l.created_at FROM codeact_artifact_links l JOIN codeact_artifacts a ON a.sha256 = l.sha256 WHERE l.thread_id = $1 ORDER BY l.created_at",
      [threadId],
    );
    return r.rows.map((row) => ({ sha256: row.sha256, bytes: Number(row.bytes), ...(row.mime ? { mime: row.mime } : {}), createdAt: row.created_at.toISOString() }));
  }

  async share(fromThreadId: string, toThreadId: string, sha256s?: string[]): Promise<number> {
    await this.setup();
    const r = await this.pool.query(
      "INSERT INTO codeact_artifact_links (thread_id, sha256, mime) SELECT $1, sha256, mime FROM codeact_artifact_links WHERE thread_id = $2 AND ($3::text[] IS NULL OR sha256 = ANY($3::text[])) ON CONFLICT DO NOTHING",
      [toThreadId, fromThreadId, sha256s ?? null],
    );
    return r.rowCount ?? 0;
  }

  async deleteThread(threadId: string): Promise<{ unlinked: number; deleted: number }> {
    await this.setup();
    return this.tx(async (c) => {
      const gone = await c.query<{ sha256: string }>("DELETE FROM codeact_artifact_links WHERE thread_id = $1 RETURNING sha256", [threadId]);
      const shas = gone.rows.map((r) => r.sha256);
      const deleted = shas.length
        ? await c.query("DELETE FROM codeact_artifacts a WHERE a.sha256 = ANY($1::text[]) AND NOT EXISTS (SELECT 1 FROM codeact_artifact_links l WHERE l.sha256 = a.sha256)", [shas])
        : { rowCount: 0 };
      return { unlinked: shas.length, deleted: deleted.rowCount ?? 0 };
    });
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
