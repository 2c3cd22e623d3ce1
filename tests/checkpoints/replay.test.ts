/**
 * Replay fidelity, with real processes and a real Docker kernel: after `kill -9` mid-cell, the resumed
 * run's rebuilt kernel has the random state the recorded run had (Python's `random` and NumPy's global
 * generator, a failed cell replayed without a trace in them), a cell whose output cannot be reproduced is reported as diverged
 * to the person and to the agent (in the coder's next prompt), and the rerun action carries the
 * at-least-once note.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { codeact, startCodeact, waitFor, type Running } from "../cli/helpers";

const plan = JSON.stringify({ steps: ["a", "b", "c", "d"].map((s) => ({ description: `step ${s}`, doneCriterion: "printed" })) });
const next = JSON.stringify({ verdict: "next", feedback: "" });
const values = (out: string, tag: string) => out.match(new RegExp(`^${tag} (\\S+) (\\S+)$`, "m"))?.slice(1);

describe("replay after kill -9 (CLI, Docker)", () => {
  let home: string;
  let running: Running | undefined;
  let server: FakeOpenAI | undefined;
  beforeEach(() => void (home = mkdtempSync(join(tmpdir(), "codeact-replay-"))));
  afterEach(async () => {
    running?.child.kill("SIGKILL");
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("reproduces random values, reports the cell that diverged, and notes the rerun", async () => {
    const traj = join(home, "t.json");
    writeFileSync(traj, JSON.stringify({
      planner: [plan],
      coder: [
        "<execute>\nimport os, random, time\nimport numpy as np\nprint('A', random.random(), np.random.rand())\n</execute>",
        "<execute>\nprint('B', os.urandom(8).hex(), time.time_ns())\n</execute>",
        // Fails after using both generators: replayed, it fails again and must leave no trace in them.
        "<execute>\nrandom.random(); np.random.rand()\n1/0\n</execute>",
        "<execute>\nprint('D', random.random(), np.random.rand(), flush=True)\ntime.sleep(8)\n</execute>",
      ],
      critic: [next, next],
    }));
    const env = { CODEACT_HOME: home };
    const run = (running = startCodeact(["run", "random things", "--scripted", traj, "--thread", "replay-1", "--executor", "docker", "--critic", "every-action"], env));
    await waitFor(() => values(run.output(), "D") !== undefined, 120_000, "cell D to print");
    run.child.kill("SIGKILL");
    await run.exit;
    const original = run.output();
    const [a, d] = [values(original, "A"), values(original, "D")];
    expect(a).toBeDefined();
    // Each cell sees its own draw, not the same numbers again.
    expect(d).not.toEqual(a);

    // The resumed run talks to a real ChatOpenAI client, so its prompts can be read: a typed model
    // replaces the script the thread recorded.
    server = await startFakeOpenAI([next, "<solution>done</solution>", JSON.stringify({ verdict: "done", answer: "done" })]);
    const resume = await codeact(["resume", "replay-1", "--model", "fake", "--base-url", server.baseUrl, "--executor", "docker", "--critic", "every-action"], { ...env, OPENAI_API_KEY: "x" });
    expect({ code: resume.code, err: resume.stderr }).toEqual({ code: 0, err: expect.any(String) });
    // The rerun of D, after a rebuild from A, B and C, draws exactly what the first D drew.
    expect(values(resume.stdout, "D")).toEqual(d);
    expect(resume.stdout).toMatch(/Kernel rehydrated: 3 cells replayed in/);
    expect(resume.stdout).toMatch(/⚠ replayed cell of step 2 printed different output: was "B \S+ \d+", now "B \S+ \d+"/);
    expect(resume.stdout).not.toMatch(/replayed cell of step 1 /);
    expect(resume.stdout).toMatch(/note: This action was pending when the run stopped .*at-least-once/);

    // The agent is told, in the coder's next prompt.
    const coderPrompt = server.requests[1]!.messages.map((m) => m.content).join("\n");
    expect(coderPrompt).toMatch(/Note: The kernel was rebuilt by replaying earlier cells, and 1 of them did not do what they did before \(step 2 printed "B \S+ \d+", before "B /);
    expect(coderPrompt).toContain("at-least-once");

    const cp = await createCheckpointer({ kind: "sqlite", path: join(home, "checkpoints.sqlite") });
    try {
      const state = await readThreadState(cp.saver, "replay-1");
      expect(state.cells.map((c) => [c.result.stdout.split(" ")[0], c.result.status, c.notes?.length ?? 0])).toEqual([
        ["A", "ok", 0],
        ["B", "ok", 0],
        ["", "error", 0],
        ["D", "ok", 2],
      ]);
    } finally {
      await cp.close();
    }
  }, 240_000);
});
