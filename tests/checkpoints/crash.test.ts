/**
 * Crash and concurrency, with real processes: a run killed with SIGKILL in the middle of a cell is
 * finished by `codeact resume` in a new process with no cell lost or duplicated; a second process
 * resuming a thread that is running is refused.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { createCheckpointer } from "../../checkpoints/savers";
import { EXIT_CODES } from "../../cli/exit-codes";
import { readThreadState } from "../../graphs/threads";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const root = join(__dirname, "..", "..");
const plan = JSON.stringify({ steps: [{ description: "three cells", doneCriterion: "all printed" }] });
const next = JSON.stringify({ verdict: "next", feedback: "" });

function start(args: string[], env: NodeJS.ProcessEnv): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
  // One process (no tsx wrapper process), so SIGKILL hits the run itself.
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exit };
}

async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.each(["sqlite", "postgres"] as const)("crash and concurrent resume (child processes, %s, Docker)", (kind) => {
  let home: string;
  let db: TestDatabase | undefined;
  /** Flags that point a child process at this test's store. */
  let store: string[] = [];
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-crash-"));
    db = kind === "postgres" ? createTestDatabase() : undefined;
    store = db ? ["--postgres", db.url] : [];
  });
  afterEach(() => {
    db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it("SIGKILL during a cell, then `codeact resume` finishes the run with every cell exactly once", async () => {
    const first = join(home, "first.json");
    writeFileSync(first, JSON.stringify({
      planner: [plan],
      coder: ["<execute>\nrows = [1, 2, 3]\nprint('cell-1')\n</execute>", "<execute>\nimport time\nprint('cell-2', 'start', flush=True)\ntime.sleep(4)\ntotal = sum(rows)\nprint('cell-2 end')\n</execute>", "<execute>\nprint('cell-3', total)\n</execute>", "<solution>6</solution>"],
      critic: [JSON.stringify({ verdict: "done", answer: "6" })],
    }));
    const env = { CODEACT_HOME: home };
    const run = start(["run", "sum rows", "--scripted", first, "--thread", "crash-1", "--executor", "docker", ...store], env);
    // Wait for the kernel's output, not the rendered code (the action is shown before its checkpoint
    // is written; a kill then would rightly lose the coder's turn, and this script assumes it kept).
    await waitFor(() => run.output().includes("cell-2 start"), 60_000, "the second cell to start");
    run.child.kill("SIGKILL");
    expect(await run.exit).toBeNull();

    // The resumed process gets the rest of the conversation: cell 2 runs again (it never finished),
    // then cell 3 and the answer, which the critic accepts.
    const rest = join(home, "rest.json");
    writeFileSync(rest, JSON.stringify({
      planner: [],
      coder: ["<execute>\nprint('cell-3', total)\n</execute>", "<solution>6</solution>"],
      critic: [JSON.stringify({ verdict: "done", answer: "6" })],
    }));
    const resume = start(["resume", "crash-1", "--scripted", rest, "--executor", "docker", ...store], env);
    const resumed = await resume.exit;
    if (resumed !== 0) throw new Error(`resume exited ${resumed}: ${resume.output()}`);
    expect(resume.output()).toMatch(/Kernel rehydrated: 1 cells replayed/);
    expect(resume.output()).toContain("cell-3 6");

    const cp = await createCheckpointer(db ? { kind: "postgres", connectionString: db.url } : { kind: "sqlite", path: join(home, "checkpoints.sqlite") });
    try {
      const state = await readThreadState(cp.saver, "crash-1");
      expect(state.status).toBe("done");
      const prints = state.cells.map((c) => c.result.stdout.trim().split("\n")[0]);
      expect(prints).toEqual(["cell-1", "cell-2 start", "cell-3 6"]);
      expect(new Set(state.cells.map((c) => c.id)).size).toBe(3);
    } finally {
      await cp.close();
    }
    // The killed process's kernel container was reaped by the next start.
    const orphans = await new Docker().listContainers({ all: true, filters: { label: [`codeact.owner.pid=${run.child.pid}`] } });
    expect(orphans).toHaveLength(0);
  }, 180_000);

  it("refuses a second process resuming a thread that is running", async () => {
    const slow = join(home, "slow.json");
    writeFileSync(slow, JSON.stringify({
      planner: [plan],
      coder: ["<execute>\nimport time\nprint('bu' + 'sy', flush=True)\ntime.sleep(6)\n</execute>", "<solution>ok</solution>"],
      critic: [JSON.stringify({ verdict: "done", answer: "ok" })],
    }));
    const env = { CODEACT_HOME: home };
    const a = start(["run", "be slow", "--scripted", slow, "--thread", "busy-1", "--executor", "docker", ...store], env);
    await waitFor(() => a.output().includes("busy"), 60_000, "the first run to be busy");
    const b = start(["resume", "busy-1", "--scripted", slow, "--executor", "docker", ...store], env);
    expect(await b.exit).toBe(EXIT_CODES.conflict);
    expect(b.output()).toMatch(/Thread busy-1 is being run by (pid \d+ on .* since|Postgres backend \d+).*Wait for that run to finish/);
    expect(await a.exit).toBe(0);
  }, 180_000);
});

describe("Ctrl-C", () => {
  it("pauses cleanly: checkpoint kept, kernel removed, resume command printed; resume finishes", async () => {
    const home = mkdtempSync(join(tmpdir(), "codeact-pause-"));
    try {
      const traj = join(home, "t.json");
      writeFileSync(traj, JSON.stringify({
        planner: [plan],
        coder: ["<execute>\nkept = 41\nprint('one')\n</execute>", "<execute>\nimport time\nprint('t' + 'wo', flush=True)\ntime.sleep(30)\n</execute>"],
        critic: [next],
      }));
      const run = start(["run", "pause me", "--scripted", traj, "--thread", "pause-1", "--executor", "docker"], { CODEACT_HOME: home });
      await waitFor(() => run.output().includes("two"), 60_000, "the second cell");
      run.child.kill("SIGINT");
      expect(await run.exit).toBe(130);
      expect(run.output()).toContain("Paused. Resume with: codeact resume pause-1");
      const left = await new Docker().listContainers({ all: true, filters: { label: [`codeact.owner.pid=${run.child.pid}`] } });
      expect(left).toHaveLength(0);

      const rest = join(home, "rest.json");
      writeFileSync(rest, JSON.stringify({ planner: [], coder: ["<solution>41</solution>"], critic: [JSON.stringify({ verdict: "done", answer: "41" })] }));
      // The interrupted action is still pending, so resume runs it again; a short cell limit ends it quickly.
      const resume = start(["resume", "pause-1", "--scripted", rest, "--executor", "docker", "--cell-timeout", "2"], { CODEACT_HOME: home });
      expect(await resume.exit).toBe(0);
      expect(resume.output()).toMatch(/Kernel rehydrated: 1 cells replayed/);
      const cp = await createCheckpointer({ kind: "sqlite", path: join(home, "checkpoints.sqlite") });
      try {
        const state = await readThreadState(cp.saver, "pause-1");
        expect(state.cells.map((c) => c.result.status)).toEqual(["ok", "timeout"]);
        expect(state.answer).toBe("41");
      } finally {
        await cp.close();
      }
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  }, 180_000);
});
