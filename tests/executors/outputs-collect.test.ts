/**
 * collectOutputs (nodes/workspace/outputs.ts) against a real local kernel and a real SQLite artifact store:
 * what is collected, what is not collected twice, and what a limit does.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { SqliteArtifactStore } from "../../checkpoints/artifacts/sqlite";
import { LocalJupyterExecutor } from "../../executors/local";
import type { Cell } from "../../graphs/state/cell";
import type { CodeActEvent } from "../../graphs/state/events";
import { collectOutputs } from "../../nodes/workspace/outputs";

const cellWith = (files: Cell["files"]): Cell => ({
  id: "c",
  step: 0,
  attempt: 0,
  code: "",
  result: { status: "ok", stdout: "", stderr: "", results: [], toolCalls: [], durationMs: 0, truncated: false },
  files,
  startedAt: "",
});

describe("collectOutputs", () => {
  let home: string;
  let db: Database.Database;
  let ex: LocalJupyterExecutor;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-collect-"));
    db = new Database(join(home, "a.sqlite"));
    ex = new LocalJupyterExecutor({ warn: () => undefined });
    await ex.start();
  }, 60_000);
  afterAll(async () => {
    await ex?.shutdown();
    db?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("collects new and changed files once, skips unchanged ones, and never records the same bytes for a path twice", async () => {
    const store = new SqliteArtifactStore(db);
    const scope = { store, threadId: "t1" };
    const events: CodeActEvent[] = [];
    const emit = (e: CodeActEvent) => events.push(e);
    const cells: Cell[] = [];

    expect(await collectOutputs(ex, cells, scope, emit)).toEqual({ files: [], notes: [] });

    await ex.execute("import os\nos.makedirs('outputs/sub', exist_ok=True)\nopen('outputs/a.txt','w').write('one')\nopen('outputs/sub/b.bin','wb').write(bytes(10))");
    const first = await collectOutputs(ex, cells, scope, emit);
    expect(first.files.map((f) => [f.path, f.size])).toEqual([["outputs/a.txt", 3], ["outputs/sub/b.bin", 10]]);
    expect(events.map((e) => e.type === "file" && e.path)).toEqual(["outputs/a.txt", "outputs/sub/b.bin"]);
    expect((await store.get("t1", first.files[0]!.sha256))?.toString()).toBe("one");
    cells.push(cellWith(first.files));

    // Nothing changed: nothing collected, no note.
    expect(await collectOutputs(ex, cells, scope, emit)).toEqual({ files: [], notes: [] });

    await ex.execute("import os, time\nopen('outputs/a.txt','w').write('two!')\nos.utime('outputs/a.txt', (time.time()+5, time.time()+5))");
    const second = await collectOutputs(ex, cells, scope, emit);
    expect(second.files.map((f) => [f.path, f.size])).toEqual([["outputs/a.txt", 4]]);
    cells.push(cellWith(second.files));

    // A new kernel (a restart, a rebuild by replay) that writes the same bytes again records nothing new.
    await ex.restart();
    await ex.execute("import os, time\nopen('outputs/a.txt','w').write('two!')\nos.utime('outputs/a.txt', (time.time()+9, time.time()+9))");
    expect((await collectOutputs(ex, cells, scope, emit)).files).toEqual([]);
  });

  it("skips a file past the thread's limit with a note naming the file, the limit and how to raise it, and goes on", async () => {
    const store = new SqliteArtifactStore(db, { maxArtifactBytes: 1024 * 1024, maxThreadBytes: 1500 });
    await ex.execute("import shutil\nshutil.rmtree('outputs', ignore_errors=True)\nimport os\nos.makedirs('outputs')\nopen('outputs/a.bin','wb').write(b'a'*1000)\nopen('outputs/b.bin','wb').write(b'b'*1000)\nopen('outputs/c.txt','w').write('small')");
    const got = await collectOutputs(ex, [], { store, threadId: "t2" }, () => undefined);
    expect(got.files.map((f) => f.path)).toEqual(["outputs/a.bin", "outputs/c.txt"]);
    expect(got.notes.join("\n")).toMatch(/\/workspace\/outputs\/b\.bin \(1000 B\) was not collected: this thread's files and artifacts would pass its limit of 1\.5 KB \(the user can raise it with CODEACT_THREAD_ARTIFACTS_MAX_MB\)/);
  });

  it("says once, not after every cell, that only the first 1000 files are looked at", async () => {
    const store = new SqliteArtifactStore(db);
    await ex.execute("import shutil, os\nshutil.rmtree('outputs', ignore_errors=True)\nos.makedirs('outputs')\nfor i in range(1005): open(f'outputs/f{i}.txt','w').write('x')");
    const first = await collectOutputs(ex, [], { store, threadId: "t3" }, () => undefined);
    expect(first.files).toHaveLength(1000);
    expect(first.notes.filter((n) => n.includes("Only the first 1000 files"))).toHaveLength(1);
    // The note the model reads names a few and counts the rest.
    expect(first.notes.find((n) => n.startsWith("Collected for the user"))).toMatch(/ and 990 more\.$/);
    const again = await collectOutputs(ex, [], { store, threadId: "t3" }, () => undefined);
    expect(again).toEqual({ files: [], notes: [] });
  });

  it("collects nothing, and asks the kernel nothing, without an artifact store", async () => {
    expect(await collectOutputs(ex, [], undefined, () => undefined)).toEqual({ files: [], notes: [] });
  });
});
