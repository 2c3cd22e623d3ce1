/** Thread settings in the Postgres database that holds the checkpoints (one codeact_ table). */
import pg from "pg";
import { readRecord, storable, type ThreadSettings, type ThreadSettingsRecord, type ThreadSettingsStore } from "../thread-settings";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS codeact_thread_settings (id BIGSERIAL PRIMARY KEY, thread_id TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL DEFAULT now(), reason TEXT NOT NULL, settings JSONB NOT NULL);
CREATE INDEX IF NOT EXISTS codeact_thread_settings_thread ON codeact_thread_settings (thread_id, id);
`;
/** Serialises the DDL when several workers start on a fresh database at once. */
const LOCK_KEY = "codeact-thread-settings";

type Row = { thread_id: string; created_at: Date; reason: string; settings: unknown };

export class PostgresThreadSettingsStore implements ThreadSettingsStore {
  readonly kind = "postgres" as const;
  private readonly pool: pg.Pool;
  private ready: Promise<void> | undefined;

  constructor(connectionString: string) {
    this.pool = new pg.Pool({ connectionString, max: 2, application_name: "codeact-settings" });
    // A broken pooled connection must fail its query, not kill the process with an 'error' event.
    this.pool.on("error", () => undefined);
    this.pool.on("connect", (client) => void client.on("error", () => undefined));
  }

  setup(): Promise<void> {
    this.ready ??= (async () => {
      const c = await this.pool.connect();
      try {
        await c.query("BEGIN");
        await c.query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [LOCK_KEY]);
        await c.query(SCHEMA);
        await c.query("COMMIT");
      } catch (err) {
        await c.query("ROLLBACK").catch(() => undefined);
        throw err;
      } finally {
        c.release();
      }
    })().catch((err: Error) => {
      this.ready = undefined;
      throw err;
    });
    return this.ready;
  }

  private record(r: Row): ThreadSettingsRecord {
    return readRecord(r.thread_id, r.created_at.toISOString(), r.reason, JSON.stringify(r.settings));
  }

  async append(threadId: string, settings: ThreadSettings, reason: string): Promise<ThreadSettingsRecord> {
    await this.setup();
    const clean = storable(settings);
    const r = await this.pool.query<{ created_at: Date }>("INSERT INTO codeact_thread_settings (thread_id, reason, settings) VALUES ($1, $2, $3) RETURNING created_at", [threadId, reason, JSON.stringify(clean)]);
    return { threadId, at: r.rows[0]!.created_at.toISOString(), reason, settings: clean };
  }

  async latest(threadId: string): Promise<ThreadSettingsRecord | undefined> {
    await this.setup();
    const r = await this.pool.query<Row>("SELECT thread_id, created_at, reason, settings FROM codeact_thread_settings WHERE thread_id = $1 ORDER BY id DESC LIMIT 1", [threadId]);
    return r.rows[0] && this.record(r.rows[0]);
  }

  async history(threadId: string): Promise<ThreadSettingsRecord[]> {
    await this.setup();
    const r = await this.pool.query<Row>("SELECT thread_id, created_at, reason, settings FROM codeact_thread_settings WHERE thread_id = $1 ORDER BY id", [threadId]);
    return r.rows.map((row) => this.record(row));
  }

  async deleteThread(threadId: string): Promise<number> {
    await this.setup();
    return (await this.pool.query("DELETE FROM codeact_thread_settings WHERE thread_id = $1", [threadId])).rowCount ?? 0;
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}
