/** The artifact store on each backend (real SQLite file, real Postgres, memory), and cells that reference it. */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { resolveCellOutputs, resolveToolCall, storeCellOutputs } from "../../checkpoints/artifacts/cells";
import { MemoryArtifactStore } from "../../checkpoints/artifacts/memory";
import { PostgresArtifactStore } from "../../checkpoints/artifacts/postgres";
import { SqliteArtifactStore } from "../../checkpoints/artifacts/sqlite";
import { ArtifactLimitError, type ArtifactLimits, type ArtifactStore } from "../../checkpoints/artifacts/store";
import { checkSqliteFile } from "../../checkpoints/savers";
import type { Cell } from "../../graphs/state/cell";
import { CellSchema } from "../../graphs/state/cell";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const limits: ArtifactLimits = { maxArtifactBytes: 3 * 1024 * 1024, maxThreadBytes: 5 * 1024 * 1024 };
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

function cellWith(results: Cell["result"]["results"], toolCalls: Cell["result"]["toolCalls"] = []): Cell {
  return {
    id: "c1",
    step: 0,
    attempt: 0,
    code: "show()",
    result: { status: "ok", stdout: "", stderr: "", results, toolCalls, durationMs: 1, truncated: false },
    startedAt: new Date().toISOString(),
  };
}

const backends: [string, () => Promise<{ store: ArtifactStore; done: () => Promise<void> }>][] = [
  [
    "sqlite",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "codeact-art-"));
      const path = join(dir, "checkpoints.sqlite");
      const db = new Database(path);
      return {
        store: new SqliteArtifactStore(db, limits),
        done: async () => {
          db.close();
          // The checkpoint file with artifact tables in it is still accepted as codeact's own.
          expect(() => checkSqliteFile(path)).not.toThrow();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
  [
    "postgres",
    async () => {
      const pg: TestDatabase = createTestDatabase();
      const store = new PostgresArtifactStore(pg.url, limits);
      await store.setup();
      return {
        store,
        done: async () => {
          await store.close();
          pg.drop();
        },
      };
    },
  ],
  ["memory", async () => ({ store: new MemoryArtifactStore(limits), done: async () => undefined })],
];

describe.each(backends)("artifact store (%s)", (_name, open) => {
  let store: ArtifactStore;
  let done: () => Promise<void>;
  beforeEach(async () => ({ store, done } = await open()));
  afterEach(() => done());

  it("stores by sha256 once, serves a thread only its own artifacts, shares, and deletes a thread's unshared ones", async () => {
    const a = randomBytes(200_000);
    const b = randomBytes(100_000);
    const ra = await store.put("t1", a, { mime: "image/png" });
    expect(ra).toEqual({ sha256: sha(a), bytes: a.length });
    expect(await store.put("t1", a)).toEqual(ra); // idempotent
    await store.put("t2", a); // same bytes, another thread: one blob, two links
    await store.put("t1", b);
    expect((await store.get("t1", ra.sha256))?.equals(a)).toBe(true);
    expect(await store.get("t3", ra.sha256)).toBeUndefined(); // not t3's
    expect(await store.get("t1", "../../etc/passwd")).toBeUndefined();
    expect((await store.list("t1")).map((i) => i.sha256).sort()).toEqual([sha(a), sha(b)].sort());

    expect(await store.share("t1", "t1-branch", [sha(b)])).toBe(1);
    expect((await store.get("t1-branch", sha(b)))?.equals(b)).toBe(true);
    expect(await store.get("t1-branch", sha(a))).toBeUndefined();

    // t1 goes: a stays (t2 links it), b stays (the branch links it).
    expect(await store.deleteThread("t1")).toEqual({ unlinked: 2, deleted: 0 });
    expect(await store.get("t1", sha(a))).toBeUndefined();
    expect((await store.get("t2", sha(a)))?.equals(a)).toBe(true);
    expect(await store.deleteThread("t1-branch")).toEqual({ unlinked: 1, deleted: 1 });
    expect(await store.deleteThread("t2")).toEqual({ unlinked: 1, deleted: 1 });
    expect(await store.list("t2")).toEqual([]);
  });

  it("refuses an artifact or a thread past its size limit with a clear error, storing nothing", async () => {
    await expect(store.put("t", randomBytes(4 * 1024 * 1024))).rejects.toThrow(/4\.0 MB is over the artifact limit of 3\.0 MB/);
    await store.put("t", randomBytes(2.5 * 1024 * 1024));
    await store.put("t", randomBytes(2 * 1024 * 1024));
    const err = await store.put("t", randomBytes(1024 * 1024)).catch((e: Error) => e);
    expect(err).toBeInstanceOf(ArtifactLimitError);
    expect((err as Error).message).toMatch(/Thread "t" already keeps 4\.5 MB of artifacts; 1\.0 MB more would pass its limit of 5\.0 MB/);
    expect(await store.list("t")).toHaveLength(2);
    // Another thread has its own budget.
    await expect(store.put("u", randomBytes(1024 * 1024))).resolves.toBeDefined();
  });

  it("moves a cell's large outputs and tool values into the store and gives the exact values back", async () => {
    const png = randomBytes(300_000).toString("base64");
    const wrapped = png.replace(/(.{76})/g, "$1\n"); // base64 with line breaks: kept as text, not re-encoded
    const html = `<table>${"<tr><td>x</td></tr>".repeat(10_000)}</table>`;
    const bigArg = randomBytes(200_000).toString("hex");
    const cell = cellWith(
      [
        { kind: "display_data", data: { "image/png": png, "text/plain": "<Figure>" } },
        { kind: "display_data", data: { "image/png": wrapped } },
        { kind: "execute_result", data: { "text/html": html, "text/plain": "t".repeat(90_000) } },
        { kind: "display_data", data: { "image/png": "iVBORw0KGgo=" } }, // small: stays inline
      ],
      [{ id: "k", name: "echo", args: { text: bigArg }, result: { echoed: bigArg }, durationMs: 1 }],
    );
    const kept = await storeCellOutputs(cell, { store, threadId: "t" });
    const json = JSON.stringify(kept);
    expect(json.length).toBeLessThan(120_000); // the 90 KB text/plain stays: it is what the model reads
    expect(() => CellSchema.parse(kept)).not.toThrow();
    expect(kept.result.results[0]!.data).toEqual({ "text/plain": "<Figure>" });
    expect(kept.result.results[0]!.artifacts!["image/png"]).toMatchObject({ encoding: "base64", bytes: 300_000 });
    expect(kept.result.results[1]!.artifacts!["image/png"]!.encoding).toBe("utf8");
    expect(kept.result.results[3]!.data["image/png"]).toBe("iVBORw0KGgo=");
    expect(String(kept.result.toolCalls[0]!.args)).toMatch(/^\{"text":"[0-9a-f]+… \[0\.4 MB in artifact [0-9a-f]{12}\]$/);

    const back = await resolveCellOutputs(kept, { store, threadId: "t" });
    expect(back.result.results).toEqual(cell.result.results);
    expect(await resolveToolCall(kept.result.toolCalls[0]!, { store, threadId: "t" })).toEqual(cell.result.toolCalls[0]);
    // Another thread cannot read them: the export says so instead of failing; replay refuses.
    const foreign = await resolveCellOutputs(kept, { store, threadId: "other" });
    expect(foreign.result.results[1]!.data["text/plain"]).toMatch(/image\/png not available: artifact [0-9a-f]{12} is not in this thread's artifact store/);
    await expect(resolveToolCall(kept.result.toolCalls[0]!, { store, threadId: "other" })).rejects.toThrow(/recorded args of tool call echo/);
  });
});

describe("cells without an artifact store", () => {
  it("keep large outputs inline up to a per-cell budget and say what was dropped; old inline cells pass through unchanged", async () => {
    const png = () => randomBytes(3 * 1024 * 1024).toString("base64"); // 4 MB of base64 each
    const cell = cellWith([0, 1, 2].map(() => ({ kind: "display_data" as const, data: { "image/png": png() } })));
    const kept = await storeCellOutputs(cell, undefined);
    expect(kept.result.results.filter((o) => o.data["image/png"])).toHaveLength(2); // 8 MB of inline budget
    expect(kept.result.results.at(-1)!.data["text/plain"]).toMatch(/image\/png output of 4\.0 MB not kept: no artifact store is configured/);
    expect(await resolveCellOutputs(cell, undefined)).toBe(cell);
  });
});
