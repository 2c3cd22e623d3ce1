import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { createCheckpointer } from "../../checkpoints/savers";
import { lockThread, ThreadBusyError } from "../../checkpoints/lock";

describe("checkpoint stores", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-cp-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("creates a SQLite store under the given path and reopens it", async () => {
    const path = join(dir, "nested", "cp.sqlite");
    const a = await createCheckpointer({ kind: "sqlite", path });
    expect(a.location).toBe(path);
    await a.saver.put({ configurable: { thread_id: "t", checkpoint_ns: "" } }, { v: 4, id: "1f000000-0000-6000-8000-000000000001", ts: new Date().toISOString(), channel_values: { task: "x" }, channel_versions: {}, versions_seen: {} }, { source: "input", step: -1, parents: {} }, {});
    await a.close();
    const b = await createCheckpointer({ kind: "sqlite", path });
    expect((await b.saver.getTuple({ configurable: { thread_id: "t" } }))?.checkpoint.channel_values).toEqual({ task: "x" });
    await b.close();
  });

  it("refuses a corrupt file with a clear error and leaves its bytes alone", async () => {
    const path = join(dir, "checkpoints.sqlite");
    const junk = randomBytes(4096);
    writeFileSync(path, junk);
    await expect(createCheckpointer({ kind: "sqlite", path })).rejects.toThrow(/is not a SQLite database.*will not overwrite/);
    expect(readFileSync(path).equals(junk)).toBe(true);
    writeFileSync(path, "just some notes\n");
    await expect(createCheckpointer({ kind: "sqlite", path })).rejects.toThrow(/not a SQLite database/);
    expect(readFileSync(path, "utf8")).toBe("just some notes\n");
  });

  it("refuses another application's SQLite database, untouched", async () => {
    const path = join(dir, "app.sqlite");
    const db = new Database(path);
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users VALUES (1, 'ada');");
    db.close();
    const before = readFileSync(path);
    await expect(createCheckpointer({ kind: "sqlite", path })).rejects.toThrow(/database of something else \(tables: users\)/);
    expect(readFileSync(path).equals(before)).toBe(true);
  });

  it("refuses a truncated SQLite file", async () => {
    const path = join(dir, "cp.sqlite");
    const a = await createCheckpointer({ kind: "sqlite", path });
    await a.close();
    const full = readFileSync(path);
    writeFileSync(path, Buffer.concat([full.subarray(0, 100), randomBytes(3000)]));
    await expect(createCheckpointer({ kind: "sqlite", path })).rejects.toThrow(/damaged SQLite database|not a SQLite database/);
  });

  it("memory store needs no file", async () => {
    const m = await createCheckpointer({ kind: "memory" });
    expect(m.kind).toBe("memory");
    await m.close();
  });

  it("locks a thread: a second holder is refused until the first releases", async () => {
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "cp.sqlite") });
    try {
      const first = await lockThread(store, "thread-1");
      const other = await lockThread(store, "thread-2");
      // Same process re-entering is allowed (it owns the lease); another pid is tested with child processes.
      await expect(lockThread({ ...store, kind: "memory" }, "mem")).resolves.toBeDefined();
      await expect(lockThread({ ...store, kind: "memory" }, "mem")).rejects.toBeInstanceOf(ThreadBusyError);
      await first.release();
      await other.release();
    } finally {
      await store.close();
    }
  });
});
