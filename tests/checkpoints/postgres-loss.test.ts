/**
 * Losing the database mid-run, with real processes and a real Postgres: the run's connections are
 * terminated by the server (as when Postgres is restarted or a proxy drops them) while a cell runs.
 * The CLI stops with a clear message and the resume command, not an unhandled 'error' event; a lost
 * lock stops the run, since the server has already released the thread to any other worker.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { createCheckpointer } from "../../checkpoints/savers";
import { EXIT_CODES } from "../../cli/exit-codes";
import { readThreadState } from "../../graphs/threads";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { codeact, startCodeact, waitFor, type Running } from "../cli/helpers";

const plan = JSON.stringify({ steps: [{ description: "a slow cell", doneCriterion: "printed" }] });
const next = JSON.stringify({ verdict: "next", feedback: "" });

async function terminate(url: string, where: string, param: string): Promise<number> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const r = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND ${where}`, [param]);
    return r.rowCount ?? 0;
  } finally {
    await admin.end();
  }
}

describe.each([
  ["the lock's connection", "application_name = 'codeact-lock:' || $1", /Lost the database connection that holds thread (\S+)'s lock .*the run stopped so that no other worker runs it/],
  ["every connection of the run", "datname = current_database() AND $1 <> ''", /codeact: .*terminat/i],
] as const)("Postgres: %s terminated mid-cell", (_what, where, message) => {
  let home: string;
  let db: TestDatabase;
  let running: Running | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-pgloss-"));
    db = createTestDatabase();
  });
  afterEach(() => {
    running?.child.kill("SIGKILL");
    db.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it("exits with the store code (the lock is lost), a clear message and the resume command (no stack); the thread resumes", async () => {
    const thread = "pg-loss-1";
    const traj = join(home, "t.json");
    writeFileSync(traj, JSON.stringify({
      planner: [plan],
      coder: ["<execute>\nkept = 41\nprint('one')\n</execute>", "<execute>\nimport time\nprint('sl' + 'ow', flush=True)\ntime.sleep(60)\n</execute>"],
      critic: [next],
    }));
    const env = { CODEACT_HOME: home };
    const run = (running = startCodeact(["run", "lose the db", "--scripted", traj, "--thread", thread, "--executor", "docker", "--postgres", db.url], env));
    await waitFor(() => /^slow$/m.test(run.output()), 90_000, "the slow cell");
    expect(await terminate(db.url, where, thread)).toBeGreaterThan(0);
    const ended = await run.exit;
    const out = run.output();
    expect({ ended, out }).toEqual({ ended: { code: EXIT_CODES.store, signal: null }, out: expect.stringMatching(message) });
    expect(out).toContain(`The run is kept up to its last finished step; continue it with: codeact resume ${thread}`);
    expect(out).not.toMatch(/\n\s+at /);
    expect(out).not.toMatch(/Unhandled 'error' event/);
    expect(execFileSync("docker", ["ps", "-a", "-q", "--filter", `label=codeact.thread=${thread}`], { encoding: "utf8" }).trim()).toBe("");

    const rest = join(home, "rest.json");
    writeFileSync(rest, JSON.stringify({ planner: [], coder: ["<solution>41</solution>"], critic: [JSON.stringify({ verdict: "done", answer: "41" })] }));
    const resume = await codeact(["resume", thread, "--scripted", rest, "--executor", "docker", "--cell-timeout", "2", "--postgres", db.url], env);
    expect({ code: resume.code, err: resume.stderr }).toEqual({ code: 0, err: expect.any(String) });
    const cp = await createCheckpointer({ kind: "postgres", connectionString: db.url });
    try {
      const state = await readThreadState(cp.saver, thread);
      expect(state.cells.map((c) => c.result.status)).toEqual(["ok", "timeout"]);
      expect(state.answer).toBe("41");
    } finally {
      await cp.close();
    }
  }, 240_000);
});
