/**
 * Large outputs through the real `codeact` CLI (a child process, Docker kernel, SQLite checkpoints,
 * scripted models): many big images, a step too large to checkpoint, and exports of old and new cells.
 */
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Overwrite } from "@langchain/langgraph";
import { SqliteArtifactStore } from "../../checkpoints/artifacts/sqlite";
import { createCheckpointer } from "../../checkpoints/savers";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { threadGraph } from "../../graphs/codeact";
import { threadHistory } from "../../graphs/threads";
import { exportThread } from "../../cli/export";
import type { Cell } from "../../graphs/state/cell";
import { codeact } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

const plan = JSON.stringify({ steps: [{ description: "show", doneCriterion: "shown" }, { description: "more", doneCriterion: "shown" }] });
const next = JSON.stringify({ verdict: "next", feedback: "" });
const done = JSON.stringify({ verdict: "done", answer: "shown" });
const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");
const mb = 1024 * 1024;

function script(home: string, coder: string[], critic: string[]): string {
  const path = join(home, "script.json");
  writeFileSync(path, JSON.stringify({ planner: [plan], coder, critic }));
  return path;
}

type Notebook = { cells: { cell_type: string; source?: string; outputs?: { data?: Record<string, string> }[] }[] };

describe("codeact CLI with large outputs", () => {
  let home: string;
  beforeEach(() => (home = mkdtempSync(join(tmpdir(), "codeact-cli-art-"))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("a cell displaying 85 images of 6.7 MB: the run finishes, the checkpoint rows stay small, history and export work, kept images come from the store", async () => {
    // 5,000,000 random bytes are 6.7 MB of base64: 85 of them made the stored cell "[unable to serialize…]".
    const code = "import base64, numpy as np\nfrom IPython.display import display\nfor i in range(85):\n    display({'image/png': base64.b64encode(np.random.bytes(5_000_000)).decode()}, raw=True)\nprint('shown')";
    const s = script(home, [`<execute>\n${code}\n</execute>`, "<solution>shown</solution>"], [done]);
    const db = join(home, "checkpoints.sqlite");
    const plots = join(home, "plots");
    const env = { CODEACT_HOME: home };
    const run = await codeact(["run", "show images", "--scripted", s, "--executor", "docker", "--thread", "img", "--out", plots], env);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Answer: shown");

    // Per-cell bound: 32 MB of display data holds 5 of these images; the rest are named, not kept.
    const saved = readdirSync(plots).sort();
    expect(saved).toHaveLength(5);
    const size = statSync(db).size + (statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    expect(size).toBeLessThan(40 * mb); // 5 images of 5 MB in the artifact tables; 255 MB for 40 images before
    const sqlite = new Database(db, { readonly: true });
    const biggestWrite = (sqlite.prepare("SELECT MAX(LENGTH(value)) AS n FROM writes").get() as { n: number }).n;
    const biggestCheckpoint = (sqlite.prepare("SELECT MAX(LENGTH(checkpoint)) AS n FROM checkpoints").get() as { n: number }).n;
    sqlite.close();
    expect(biggestWrite).toBeLessThan(64 * 1024);
    expect(biggestCheckpoint).toBeLessThan(64 * 1024);

    const history = await codeact(["history", "img", "--json"], env);
    expect(history.code).toBe(0);
    expect((JSON.parse(history.stdout) as { summary: string }[]).some((h) => h.summary.includes("1 cells, last ok"))).toBe(true);

    // The kept images are in the store, linked to the thread, byte for byte what the run saved.
    const rw = new Database(db);
    const store = new SqliteArtifactStore(rw);
    const listed = await store.list("img");
    expect(listed).toHaveLength(5);
    const files = saved.map((f) => readFileSync(join(plots, f)));
    expect(listed.map((a) => a.sha256).sort()).toEqual(files.map(sha).sort());
    expect(listed.every((a) => a.bytes === 5_000_000 && a.mime === "image/png")).toBe(true);
    expect((await store.get("img", sha(files[0]!)))?.equals(files[0]!)).toBe(true);
    rw.close();

    const nbPath = join(home, "img.ipynb");
    const exp = await codeact(["export", "img", "-o", nbPath], env);
    expect(exp.code).toBe(0);
    const nb = JSON.parse(readFileSync(nbPath, "utf8")) as Notebook;
    const outputs = nb.cells.flatMap((c) => c.outputs ?? []);
    const images = outputs.filter((o) => o.data?.["image/png"]).map((o) => Buffer.from(o.data!["image/png"]!, "base64"));
    expect(images.map(sha).sort()).toEqual(files.map(sha).sort());
    expect(outputs.some((o) => /80 more figures not kept: per-cell limit is 20 figures and 32 MB/.test(o.data?.["text/plain"] ?? ""))).toBe(true);

    // A branch from after the cell can read the cell's images too (and no other thread can).
    const at = (JSON.parse(history.stdout) as { checkpointId: string; next: string[] }[]).find((h) => h.next.includes("critic"))!.checkpointId;
    const branch = await codeact(["branch", "img", "--at", at, "--name", "img-b", "--no-run", "--json"], env);
    expect(branch.code).toBe(0);
    const bnPath = join(home, "img-b.ipynb");
    expect((await codeact(["export", "img-b", "-o", bnPath], env)).code).toBe(0);
    const bn = JSON.parse(readFileSync(bnPath, "utf8")) as Notebook;
    const branchImages = bn.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["image/png"]).map((o) => sha(Buffer.from(o.data!["image/png"]!, "base64")));
    expect(branchImages.sort()).toEqual(files.map(sha).sort());
  }, 240_000);

  it("a step too large to checkpoint fails the run loudly (the limit exit code), and the thread reads back up to the step before", async () => {
    const big = "<execute>\nimport secrets\nprint(secrets.token_hex(40_000))\n</execute>"; // 80 KB of output
    const s = script(home, ["<execute>\nprint('small')\n</execute>", big, "<solution>shown</solution>"], [next, done]);
    const env = { CODEACT_HOME: home, CODEACT_MAX_CHECKPOINT_WRITE_MB: "0.05" };
    const run = await codeact(["run", "print", "--scripted", s, "--executor", "docker", "--thread", "too-big"], env);
    expect(run.code).toBe(EXIT_CODES.limit);
    expect(run.stderr).toMatch(/cell output too large to checkpoint: one write of \d+ KB is over the limit of 52 KB .*the run is kept up to the previous step/);
    expect(run.stderr).toContain("codeact resume too-big");
    expect(run.stdout).not.toContain("Answer:");

    const history = await codeact(["history", "too-big", "--json"], env);
    expect(history.code).toBe(0);
    const nbPath = join(home, "too-big.ipynb");
    expect((await codeact(["export", "too-big", "-o", nbPath], env)).code).toBe(0);
    const nb = JSON.parse(readFileSync(nbPath, "utf8")) as Notebook;
    expect(nb.cells.filter((c) => c.cell_type === "code").map((c) => c.source)).toEqual(["print('small')"]);
  }, 180_000);

  it("exports cells written with inline base64 (before the artifact store) beside cells that reference it", async () => {
    const db = join(home, "checkpoints.sqlite");
    const store = await createCheckpointer({ kind: "sqlite", path: db });
    const old = randomBytes(200_000).toString("base64");
    const fresh = randomBytes(150_000);
    const ref = await store.artifacts.put("mixed", fresh, { mime: "image/png" });
    const cell = (id: string, output: Cell["result"]["results"][number]): Cell => ({
      id,
      step: 0,
      attempt: 0,
      code: `show_${id}()`,
      result: { status: "ok", stdout: "", stderr: "", results: [output], toolCalls: [], durationMs: 1, truncated: false },
      startedAt: new Date().toISOString(),
    });
    const cells = [
      cell("old", { kind: "display_data", data: { "image/png": old, "text/plain": "<Figure old>" } }),
      cell("new", { kind: "display_data", data: { "text/plain": "<Figure new>" }, artifacts: { "image/png": { ...ref, encoding: "base64" } } }),
    ];
    await threadGraph(store.saver).updateState({ configurable: { thread_id: "mixed" } }, { task: "show", cells: new Overwrite(cells), status: "done", answer: "ok" }, "planner");
    await store.close();

    const nb = JSON.parse(readFileSync(await exportThread("mixed", "ipynb", join(home, "m.ipynb"), { checkpoints: db }), "utf8")) as Notebook;
    const pngs = nb.cells.flatMap((c) => c.outputs ?? []).map((o) => o.data?.["image/png"]).filter(Boolean);
    expect(pngs).toEqual([old, fresh.toString("base64")]);
    const html = readFileSync(await exportThread("mixed", "html", join(home, "m.html"), { checkpoints: db }), "utf8");
    expect(html).toContain(`data:image/png;base64,${old}`);
    expect(html).toContain(`data:image/png;base64,${fresh.toString("base64")}`);
  }, 60_000);

  it("reads a thread an older version stored as \"[unable to serialize…]\": history and export show the rest", async () => {
    const db = join(home, "checkpoints.sqlite");
    // The plain SqliteSaver is what wrote such threads: its serializer turns a failed JSON.stringify into that string.
    const sqlite = new Database(db);
    const oldSaver = new SqliteSaver(sqlite);
    const good: Cell = { id: "ok", step: 0, attempt: 0, code: "print(1)", result: { status: "ok", stdout: "1\n", stderr: "", results: [], toolCalls: [], durationMs: 1, truncated: false }, startedAt: "" };
    const graph = threadGraph(oldSaver);
    const config = { configurable: { thread_id: "damaged" } };
    await graph.updateState(config, { task: "show", cells: new Overwrite([good]) }, "planner");
    const bad = { ...good, id: "bad", result: { ...good.result, toolCalls: [{ id: "x", name: "t", args: {}, result: BigInt(1), durationMs: 0 }] } };
    await graph.updateState(config, { cells: bad as unknown as Cell, status: "done", answer: "ok" }, "planner");
    sqlite.close();

    const store = await createCheckpointer({ kind: "sqlite", path: db });
    try {
      const history = await threadHistory(store.saver, "damaged");
      expect(history.at(-1)!.summary).toMatch(/2 cells, last error: # This cell was stored unreadable/);
    } finally {
      await store.close();
    }
    const nb = JSON.parse(readFileSync(await exportThread("damaged", "ipynb", join(home, "d.ipynb"), { checkpoints: db }), "utf8")) as Notebook;
    const code = nb.cells.filter((c) => c.cell_type === "code").map((c) => c.source);
    expect(code).toEqual(["print(1)", expect.stringContaining("stored unreadable by an older codeact version: [unable to serialize")]);
  }, 60_000);
});
