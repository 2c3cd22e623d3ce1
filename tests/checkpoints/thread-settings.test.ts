/** The thread settings store through createCheckpointer on each backend (real SQLite file, real Postgres, memory). */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { type CheckpointerConfig, checkSqliteFile, createCheckpointer } from "../../checkpoints/savers";
import { copyThreadSettings, settingsChanges, type ThreadSettings, ThreadSettingsSchema } from "../../checkpoints/thread-settings";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const base: ThreadSettings = ThreadSettingsSchema.parse({
  model: { provider: "openai", name: "gpt-test", baseUrl: "http://127.0.0.1:9/v1" },
  modelTimeout: null,
  executor: { kind: "docker", remoteUrl: null },
  limits: { maxIterations: 7, approve: true },
});

describe.each<[string, () => { config: CheckpointerConfig; done: () => void; path?: string }]>([
  [
    "sqlite",
    () => {
      const dir = mkdtempSync(join(tmpdir(), "codeact-settings-"));
      const path = join(dir, "checkpoints.sqlite");
      return { config: { kind: "sqlite", path }, path, done: () => rmSync(dir, { recursive: true, force: true }) };
    },
  ],
  [
    "postgres",
    () => {
      const db: TestDatabase = createTestDatabase();
      return { config: { kind: "postgres", connectionString: db.url }, done: () => db.drop() };
    },
  ],
  ["memory", () => ({ config: { kind: "memory" }, done: () => undefined })],
])("thread settings in %s", (kind, make) => {
  let env: ReturnType<typeof make>;
  beforeEach(() => (env = make()));
  afterEach(() => env.done());

  it("appends records, reads the latest and the history, copies on branch, deletes with the thread", async () => {
    const store = await createCheckpointer(env.config);
    try {
      expect(store.settings.kind).toBe(kind);
      expect(await store.settings.latest("t1")).toBeUndefined();
      await store.settings.append("t1", base, "run");
      const changed = { ...base, limits: { ...base.limits, approve: false } };
      await store.settings.append("t1", changed, "resume --no-approve");
      await store.settings.append("other", { ...base, actionFormat: "json" }, "run");
      const latest = await store.settings.latest("t1");
      expect(latest?.reason).toBe("resume --no-approve");
      expect(latest?.settings.limits.approve).toBe(false);
      const history = await store.settings.history("t1");
      expect(history.map((r) => r.reason)).toEqual(["run", "resume --no-approve"]);
      // Nothing was overwritten: the first record still says approval mode.
      expect(history[0]!.settings.limits.approve).toBe(true);
      expect(settingsChanges(history)[1]!.changes).toEqual([["limits.approve", "true", "false"]]);

      expect(await copyThreadSettings(store.settings, "t1", "t1-b", "branch from t1@x")).toBe(true);
      expect((await store.settings.latest("t1-b"))?.settings).toEqual(latest?.settings);
      expect(await copyThreadSettings(store.settings, "none", "none-b", "branch")).toBe(false);

      expect(await store.settings.deleteThread("t1")).toBe(2);
      expect(await store.settings.history("t1")).toEqual([]);
      expect((await store.settings.latest("other"))?.settings.actionFormat).toBe("json");
    } finally {
      await store.close();
    }
    if (env.path) expect(() => checkSqliteFile(env.path!)).not.toThrow();
  }, 60_000);

  it("never stores credentials that ride in a URL", async () => {
    const store = await createCheckpointer(env.config);
    try {
      await store.settings.append(
        "t",
        { ...base, model: { ...base.model, baseUrl: "https://user:hunter2@llm.example/v1" }, executor: { kind: "remote", remoteUrl: "http://127.0.0.1:8888/?token=s3cret-token&x=1" } },
        "run",
      );
      const s = (await store.settings.latest("t"))!.settings;
      expect(s.model.baseUrl).toBe("https://llm.example/v1");
      expect(s.executor.remoteUrl).toBe("http://127.0.0.1:8888/?x=1");
    } finally {
      await store.close();
    }
    if (env.path) {
      const bytes = [env.path, `${env.path}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p).toString("latin1")).join("");
      expect(bytes).not.toContain("hunter2");
      expect(bytes).not.toContain("s3cret-token");
    }
  }, 60_000);
});

describe("thread settings in a SQLite file", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-settings-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("reads from a file opened read-only, including one written before settings existed, without changing it", async () => {
    const path = join(dir, "checkpoints.sqlite");
    // A file of the plain saver, as written before settings existed (its tables and nothing else).
    const old = new Database(path);
    await new SqliteSaver(old).getTuple({ configurable: { thread_id: "none" } });
    old.close();
    const before = readFileSync(path);
    const ro = await createCheckpointer({ kind: "sqlite", path, readOnly: true });
    try {
      expect(await ro.settings.latest("t")).toBeUndefined();
      expect(await ro.settings.history("t")).toEqual([]);
    } finally {
      await ro.close();
    }
    expect(readFileSync(path).equals(before)).toBe(true);

    const rw = await createCheckpointer({ kind: "sqlite", path });
    await rw.settings.append("t", base, "run");
    await rw.close();
    const ro2 = await createCheckpointer({ kind: "sqlite", path, readOnly: true });
    try {
      expect((await ro2.settings.latest("t"))?.settings.limits.maxIterations).toBe(7);
    } finally {
      await ro2.close();
    }
  });

  it("refuses a damaged or hostile record with a sentence, not a zod dump", async () => {
    const path = join(dir, "checkpoints.sqlite");
    const store = await createCheckpointer({ kind: "sqlite", path });
    try {
      await store.settings.append("t", base, "run");
      const db = new Database(path);
      db.prepare("INSERT INTO codeact_thread_settings (thread_id, created_at, reason, settings) VALUES ('t', '2026-01-01', 'x', ?)").run(JSON.stringify({ limits: { maxIterations: -1 } }));
      db.close();
      await expect(store.settings.latest("t")).rejects.toThrow(/settings recorded for thread "t" .* cannot be read/);
    } finally {
      await store.close();
    }
  });
});
