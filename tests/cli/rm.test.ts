/**
 * `codeact rm`: deletes every row of the thread in the checkpoint database (checkpoints, writes,
 * artifact links, lock and run records), the artifact bytes no other thread uses, and its saved
 * plots; other threads are untouched. Refuses without --yes when there is no terminal to ask at,
 * and refuses a thread a live process is running. Real SQLite and Postgres, real Docker kernel.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import pg from "pg";
import type { ThreadSummary } from "../../checkpoints/thread-status";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { codeact, root, type Running, startCodeact, trajectory, tsx, waitFor } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

/** A 1×1 PNG (saved as a plot) and 70 KB of HTML (over the inline limit: kept in the artifact store). */
const cellWithArtifacts = (mark: string) =>
  [
    "import base64",
    "from IPython.display import HTML, Image, display",
    "display(Image(data=base64.b64decode('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==')))",
    `display(HTML('<p>${mark}' + 'x' * 70000 + '</p>'))`,
    `print('${mark}')`,
  ].join("\n");

/** Rows naming `thread` in every table that has a thread_id column (LangGraph's and codeact's). */
async function rowsOf(target: { sqlite?: string; postgres?: string }, thread: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  if (target.sqlite) {
    const db = new Database(target.sqlite, { readonly: true });
    try {
      for (const { name } of db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]) {
        const cols = (db.prepare(`PRAGMA table_info("${name}")`).all() as { name: string }[]).map((c) => c.name);
        if (cols.includes("thread_id")) counts[name] = (db.prepare(`SELECT count(*) AS n FROM "${name}" WHERE thread_id = ?`).get(thread) as { n: number }).n;
      }
    } finally {
      db.close();
    }
    return counts;
  }
  const client = new pg.Client({ connectionString: target.postgres });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' AND column_name = 'thread_id'");
    for (const { table_name } of tables.rows) counts[table_name] = Number((await client.query(`SELECT count(*) AS n FROM "${table_name}" WHERE thread_id = $1`, [thread])).rows[0].n);
  } finally {
    await client.end();
  }
  return counts;
}

async function artifactCount(target: { sqlite?: string; postgres?: string }): Promise<number> {
  if (target.sqlite) {
    const db = new Database(target.sqlite, { readonly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM codeact_artifacts").get() as { n: number }).n;
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: target.postgres });
  await client.connect();
  try {
    return Number((await client.query("SELECT count(*) AS n FROM codeact_artifacts")).rows[0].n);
  } finally {
    await client.end();
  }
}

describe.each(["sqlite", "postgres"] as const)("codeact rm (%s, Docker kernel, CLI)", (kind) => {
  let home: string;
  let db: TestDatabase | undefined;
  let store: string[];
  let target: { sqlite?: string; postgres?: string };
  let env: NodeJS.ProcessEnv;
  let running: Running | undefined;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-rm-"));
    db = kind === "postgres" ? createTestDatabase() : undefined;
    const file = join(home, "checkpoints.sqlite");
    store = db ? ["--postgres", db.url] : ["--checkpoints", file];
    target = db ? { postgres: db.url } : { sqlite: file };
    env = { CODEACT_HOME: home };
  });
  afterEach(() => void running?.child.kill("SIGKILL"));
  afterAll(() => {
    db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  const run = (thread: string, actions: string[]) => {
    const traj = join(home, `${thread}.json`);
    writeFileSync(traj, trajectory(actions, "ok"));
    return codeact(["run", `task of ${thread}`, "--scripted", traj, "--thread", thread, "--executor", "docker", ...store], env);
  };
  const threads = async () => JSON.parse((await codeact(["threads", "--json", ...store], env)).stdout) as ThreadSummary[];

  it("with --yes deletes the thread's rows, artifacts and plots; another thread is untouched", async () => {
    for (const t of ["rm-a", "rm-b"]) expect((await run(t, [cellWithArtifacts(t)])).code).toBe(0);
    for (const t of ["rm-a", "rm-b"]) expect(readdirSync(join(home, "runs", t)).some((f) => f.endsWith(".png"))).toBe(true);
    const a = await rowsOf(target, "rm-a");
    expect(a.codeact_artifact_links).toBeGreaterThan(0);
    expect(a.codeact_thread_runs).toBe(1);
    const bBefore = await rowsOf(target, "rm-b");
    const artifactsBefore = await artifactCount(target);

    const r = await codeact(["rm", "rm-a", "--yes", ...store], env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.stringContaining("Deleted thread rm-a") });
    const after = await rowsOf(target, "rm-a");
    expect(Object.values(after).every((n) => n === 0)).toBe(true);
    expect(Object.keys(after)).toEqual(expect.arrayContaining(kind === "sqlite" ? ["checkpoints", "writes", "codeact_artifact_links", "codeact_thread_runs"] : ["checkpoints", "checkpoint_writes", "checkpoint_blobs", "codeact_artifact_links", "codeact_thread_runs"]));
    // rm-a's own outputs (its 70 KB HTML) are gone from the artifact store.
    expect(await artifactCount(target)).toBeLessThan(artifactsBefore);
    expect(existsSync(join(home, "runs", "rm-a"))).toBe(false);

    expect(await rowsOf(target, "rm-b")).toEqual(bBefore);
    expect(existsSync(join(home, "runs", "rm-b"))).toBe(true);
    expect((await threads()).map((t) => [t.threadId, t.status, t.cells])).toEqual([["rm-b", "done", 1]]);
    const exported = await codeact(["export", "rm-b", "--format", "html", "-o", join(home, "b.html"), ...store], env);
    expect({ code: exported.code, stderr: exported.stderr }).toEqual({ code: 0, stderr: "" });

    const again = await codeact(["rm", "rm-a", "--yes", ...store], env);
    expect({ code: again.code, stderr: again.stderr }).toEqual({ code: EXIT_CODES.not_found, stderr: expect.stringContaining('No thread "rm-a"') });
  }, 240_000);

  it("without --yes and without a terminal refuses and deletes nothing", async () => {
    const before = await rowsOf(target, "rm-b");
    const r = await codeact(["rm", "rm-b", ...store], env, { input: "y\n" });
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toMatch(/no terminal to confirm.*--yes/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(await rowsOf(target, "rm-b")).toEqual(before);
  }, 60_000);

  it("refuses a thread a live process is running, and deletes nothing", async () => {
    const traj = join(home, "rm-live.json");
    writeFileSync(traj, trajectory(["import time\nprint('t' + 'wo', flush=True)\ntime.sleep(120)"], "ok"));
    const r = (running = startCodeact(["run", "long", "--scripted", traj, "--thread", "rm-live", "--executor", "docker", ...store], env));
    await waitFor(() => /^two$/m.test(r.output()), 120_000, "the cell");
    const rm = await codeact(["rm", "rm-live", "--yes", ...store], env);
    expect({ code: rm.code, stderr: rm.stderr }).toEqual({ code: EXIT_CODES.conflict, stderr: expect.stringMatching(/rm-live is running .*nothing was deleted/) });
    expect((await threads()).find((t) => t.threadId === "rm-live")).toMatchObject({ status: "running" });
    r.child.kill("SIGINT");
    expect((await r.exit).code).toBe(130);
    expect((await threads()).find((t) => t.threadId === "rm-live")).toMatchObject({ status: "paused" });
  }, 240_000);
});

describe("codeact rm at a terminal (SQLite)", () => {
  let home: string;
  beforeAll(() => void (home = mkdtempSync(join(tmpdir(), "codeact-rm-tty-"))));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  /** `codeact rm` on a pseudo-terminal (tests/cli/pty-relay.py), typing `answer` at its question. */
  const rmAtTerminal = (args: string[], answer: string) =>
    new Promise<{ code: number | null; screen: string }>((resolve) => {
      const child = spawn("/usr/bin/python3", [join(__dirname, "pty-relay.py"), tsx, join(root, "cli", "main.ts"), "rm", ...args], { cwd: root, env: { ...process.env, CODEACT_HOME: home, NO_COLOR: "1" }, stdio: ["pipe", "pipe", "inherit"] });
      let screen = "";
      let typed = false;
      child.stdout!.on("data", (d: Buffer) => {
        screen += d.toString();
        if (!typed && screen.includes("[y/N]")) {
          typed = true;
          child.stdin!.write(`${answer}\r`);
        }
      });
      child.on("exit", (code) => resolve({ code, screen }));
    });

  it("asks first: 'n' keeps the thread, 'y' deletes it", async () => {
    const traj = join(home, "t.json");
    writeFileSync(traj, trajectory(["print('kept')"], "ok"));
    const store = ["--checkpoints", join(home, "checkpoints.sqlite")];
    expect((await codeact(["run", "t", "--scripted", traj, "--thread", "tty-1", "--executor", "docker", ...store], { CODEACT_HOME: home })).code).toBe(0);
    const no = await rmAtTerminal(["tty-1", ...store], "n");
    expect(no).toEqual({ code: 1, screen: expect.stringContaining("Nothing deleted.") });
    expect(no.screen).toContain("Delete thread tty-1");
    const listed = async () => (JSON.parse((await codeact(["threads", "--json", ...store], { CODEACT_HOME: home })).stdout) as ThreadSummary[]).map((t) => t.threadId);
    expect(await listed()).toEqual(["tty-1"]);
    const yes = await rmAtTerminal(["tty-1", ...store], "y");
    expect(yes).toEqual({ code: 0, screen: expect.stringContaining("Deleted thread tty-1") });
    expect(await listed()).toEqual([]);
  }, 120_000);
});
