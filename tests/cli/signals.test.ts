/**
 * SIGTERM (a service manager, `kill`) and SIGHUP (a closed terminal) pause a run as Ctrl-C does:
 * the last finished step is kept, the kernel container removed, the resume command printed.
 * Real CLI child process, real Docker kernel.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { codeact, startCodeact, waitFor } from "./helpers";

const plan = JSON.stringify({ steps: [{ description: "two cells", doneCriterion: "both ran" }] });
const next = JSON.stringify({ verdict: "next", feedback: "" });

const containersOf = (thread: string) =>
  execFileSync("docker", ["ps", "-a", "-q", "--filter", `label=codeact.thread=${thread}`], { encoding: "utf8" }).trim();

describe.each([
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)("%s", (signal, exitCode) => {
  let home: string;
  beforeEach(() => void (home = mkdtempSync(join(tmpdir(), "codeact-signal-"))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));
  let running: ReturnType<typeof startCodeact> | undefined;
  afterEach(() => void running?.child.kill("SIGKILL"));

  it("pauses cleanly mid-cell: checkpoint kept, no kernel container left, resume command printed; resume finishes", async () => {
    const thread = `sig-${signal.toLowerCase()}-1`;
    const traj = join(home, "t.json");
    writeFileSync(traj, JSON.stringify({
      planner: [plan],
      coder: ["<execute>\nkept = 41\nprint('one')\n</execute>", "<execute>\nimport time\nprint('t' + 'wo', flush=True)\ntime.sleep(60)\n</execute>"],
      critic: [next],
    }));
    const env = { CODEACT_HOME: home };
    const run = (running = startCodeact(["run", "pause me", "--scripted", traj, "--thread", thread, "--executor", "docker"], env));
    await waitFor(() => /^two$/m.test(run.output()), 90_000, "the second cell");
    expect(containersOf(thread)).not.toBe("");
    run.child.kill(signal);
    const ended = await run.exit;
    expect({ ended, output: run.output() }).toEqual({ ended: { code: exitCode, signal: null }, output: expect.stringContaining(`Paused. Resume with: codeact resume ${thread}`) });
    expect(run.output()).toContain(`Pausing on ${signal}`);
    expect(run.output()).not.toMatch(/\n\s+at /);
    expect(containersOf(thread)).toBe("");

    const rest = join(home, "rest.json");
    writeFileSync(rest, JSON.stringify({ planner: [], coder: ["<solution>41</solution>"], critic: [JSON.stringify({ verdict: "done", answer: "41" })] }));
    // The interrupted action is still pending, so resume runs it again; a short cell limit ends it.
    const resume = await codeact(["resume", thread, "--scripted", rest, "--executor", "docker", "--cell-timeout", "2"], env);
    expect({ code: resume.code, out: resume.stderr }).toEqual({ code: 0, out: expect.any(String) });
    expect(resume.stdout).toMatch(/Kernel rehydrated: 1 cells replayed/);
    const cp = await createCheckpointer({ kind: "sqlite", path: join(home, "checkpoints.sqlite") });
    try {
      const state = await readThreadState(cp.saver, thread);
      expect(state.cells.map((c) => c.result.status)).toEqual(["ok", "timeout"]);
      expect(state.answer).toBe("41");
    } finally {
      await cp.close();
    }
    expect(containersOf(thread)).toBe("");
  }, 240_000);
});
