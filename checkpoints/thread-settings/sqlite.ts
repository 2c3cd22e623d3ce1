/**
 * Thread settings in the checkpoint database's own SQLite file (one codeact_ table), so a copy or
 * backup of the file carries each thread with the settings it runs with.
 */
import type Database from "better-sqlite3";
import { readRecord, storable, type ThreadSettings, type ThreadSettingsRecord, type ThreadSettingsStore } from "../thread-settings";

const SCHEMA = `
CREATE TABLE IF NOT EXISTS codeact_thread_settings (id INTEGER PRIMARY KEY, thread_id TEXT NOT NULL, created_at TEXT NOT NULL, reason TEXT NOT NULL, settings TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS codeact_thread_settings_thread ON codeact_thread_settings (thread_id, id);
`;

type Row = { thread_id: string; created_at: string; reason: string; settings: string };

export class SqliteThreadSettingsStore implements ThreadSettingsStore {
  readonly kind = "sqlite" as const;
  private ready = false;

  constructor(private readonly db: Database.Database) {}

  private setup(): Database.Database {
    if (!this.ready) {
      // Opened read-only (threads, history, settings): nothing may be created in the file; a file
      // written before settings existed simply has none.
      if (this.db.readonly) {
        const have = this.db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'codeact_thread_settings'").get() as { n: number };
        if (!have.n) this.db.exec("CREATE TEMP TABLE codeact_thread_settings (id INTEGER PRIMARY KEY, thread_id TEXT, created_at TEXT, reason TEXT, settings TEXT)");
      } else this.db.exec(SCHEMA);
      this.ready = true;
    }
    return this.db;
  }

  async append(threadId: string, settings: ThreadSettings, reason: string): Promise<ThreadSettingsRecord> {
    const at = new Date().toISOString();
    const clean = storable(settings);
    this.setup().prepare("INSERT INTO codeact_thread_settings (thread_id, created_at, reason, settings) VALUES (?, ?, ?, ?)").run(threadId, at, reason, JSON.stringify(clean));
    return { threadId, at, reason, settings: clean };
  }

  async latest(threadId: string): Promise<ThreadSettingsRecord | undefined> {
    const row = this.setup().prepare("SELECT thread_id, created_at, reason, settings FROM codeact_thread_settings WHERE thread_id = ? ORDER BY id DESC LIMIT 1").get(threadId) as Row | undefined;
    return row && readRecord(row.thread_id, row.created_at, row.reason, row.settings);
  }

  async history(threadId: string): Promise<ThreadSettingsRecord[]> {
    const rows = this.setup().prepare("SELECT thread_id, created_at, reason, settings FROM codeact_thread_settings WHERE thread_id = ? ORDER BY id").all(threadId) as Row[];
    return rows.map((r) => readRecord(r.thread_id, r.created_at, r.reason, r.settings));
  }

  async deleteThread(threadId: string): Promise<number> {
    return this.setup().prepare("DELETE FROM codeact_thread_settings WHERE thread_id = ?").run(threadId).changes;
  }

  /** The database connection belongs to the checkpointer, which closes it. */
  async close(): Promise<void> {}
}
