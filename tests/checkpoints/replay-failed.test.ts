/**
 * A rebuilt kernel replays failed cells too, through the real CLI with scripted models and real
 * kernels: the self-debug pattern (a cell assigns `monthly`, then raises NameError; the fix cell
 * uses `monthly`) keeps every variable through `resume` after kill -9, a follow-up and a branch.
 * A replayed cell that ends otherwise than recorded is reported, to the person (terminal and
 * `--json`) and to the agent (its next observation).
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { roleOf, roleReplies, textOf } from "../helpers/role-script";
import { codeact, startCodeact, waitFor } from "../cli/helpers";

jest.setTimeout(300_000);

const plan = JSON.stringify({ steps: [{ description: "monthly trend", doneCriterion: "printed" }] });
const done = (answer: string) => JSON.stringify({ verdict: "done", feedback: "", answer });
const exec = (code: string) => `<execute>\n${code}\n</execute>`;
const FAILS_AFTER_ASSIGNING = exec("monthly = [3, 5, 7]\nprint('monthly set')\nprint(trend)");
const FIX = exec("trend = sum(monthly) / len(monthly)\nprint('trend', trend)");

function script(dir: string, name: string, t: { planner?: string[]; coder: string[]; critic: string[] }): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ planner: t.planner ?? [], coder: t.coder, critic: t.critic }));
  return path;
}

type Event = { type: string; [k: string]: unknown };
const events = (stdout: string) => stdout.trim().split("\n").map((l) => JSON.parse(l) as Event);

describe("replay of failed cells (CLI)", () => {
  let home: string;
  let server: FakeOpenAI | undefined;
  beforeEach(() => void (home = mkdtempSync(join(tmpdir(), "codeact-replay-failed-"))));
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it("keeps the variables a failed cell set through resume after kill -9, a follow-up and a branch (Docker)", async () => {
    const env = { CODEACT_HOME: home };
    const first = script(home, "first.json", {
      planner: [plan],
      coder: [FAILS_AFTER_ASSIGNING, FIX, exec("import time\nprint('waiting', trend, flush=True)\ntime.sleep(30)")],
      critic: [],
    });
    const run = startCodeact(["run", "monthly trend", "--scripted", first, "--thread", "rf", "--executor", "docker"], env);
    await waitFor(() => /^\s*waiting 5\.0\s*$/m.test(run.output()), 120_000, "the third cell to start");
    expect(run.output()).toMatch(/NameError: name 'trend' is not defined/);
    run.child.kill("SIGKILL");
    await run.exit;

    // The pending cell runs again after the rebuild: `trend` is there, so `monthly` was too.
    const rest = script(home, "rest.json", { coder: ["<solution>5.0</solution>"], critic: [done("5.0")] });
    const resumed = await codeact(["resume", "rf", "--scripted", rest, "--executor", "docker"], env);
    expect(resumed.stdout).toMatch(/Kernel rehydrated: 2 cells replayed in/);
    expect(resumed.stdout).toMatch(/^\s*waiting 5\.0\s*$/m);
    expect(resumed.stdout).not.toMatch(/failed on replay|⚠/);
    expect(resumed.code).toBe(0);

    // A follow-up in another process: all three cells replayed (the failed one too), none diverged.
    const more = script(home, "more.json", { planner: [plan], coder: [exec("print('again', trend, monthly)"), "<solution>ok</solution>"], critic: [done("ok")] });
    const followup = await codeact(["run", "print them again", "--thread", "rf", "--scripted", more, "--executor", "docker", "--json"], env);
    expect(followup.stderr).not.toMatch(/codeact:/);
    const fuEvents = events(followup.stdout);
    expect(fuEvents.find((e) => e.type === "rehydrated")).toMatchObject({ replayed: 3, failed: 0, diverged: [] });
    const cell = fuEvents.find((e) => e.type === "cell") as unknown as { cell: { result: { status: string; stdout: string } } };
    expect(cell.cell.result).toMatchObject({ status: "ok", stdout: "again 5.0 [3, 5, 7]\n" });
    expect(followup.code).toBe(0);

    // A branch from just after the fix cell: its own kernel, rebuilt from its two cells.
    const history = await codeact(["history", "rf", "--json"], env);
    const at = (JSON.parse(history.stdout) as { checkpointId: string; next: string[]; summary: string }[]).find((h) => h.next.includes("coder") && h.summary.includes("2 cells"))!.checkpointId;
    expect((await codeact(["branch", "rf", "--at", at, "--name", "rf-b", "--no-run"], env)).code).toBe(0);
    const side = script(home, "side.json", { coder: [exec("print('branch', trend, sum(monthly))"), "<solution>ok</solution>"], critic: [done("ok")] });
    const branched = await codeact(["resume", "rf-b", "--scripted", side, "--executor", "docker"], env);
    expect(branched.stdout).toMatch(/Kernel rehydrated: 2 cells replayed in/);
    expect(branched.stdout).toMatch(/^\s*branch 5\.0 15\s*$/m);
    expect(branched.code).toBe(0);
  });

  it("reports a replayed cell that ends otherwise, to the person and in the agent's next observation (local kernel)", async () => {
    // The local kernel sees the host: a file the test creates between the runs changes how cells end.
    const flag = join(home, "flag");
    const check = (then: string) => exec(`import os\nseen = os.path.exists(${JSON.stringify(flag)})\n${then}`);
    const env = { CODEACT_HOME: home };
    const first = script(home, "first.json", {
      planner: [plan],
      coder: [
        check("if seen:\n    raise ValueError('flag is set')\nprint('clear')"), // ok now, ValueError on replay
        check("if not seen:\n    raise KeyError('no flag')"), // KeyError now, ok on replay
        "<solution>done</solution>",
      ],
      critic: [done("done")],
    });
    const run = await codeact(["run", "check the flag", "--scripted", first, "--thread", "dv", "--executor", "local"], env);
    expect(run.code).toBe(0);
    writeFileSync(flag, "");
    expect(existsSync(flag)).toBe(true);

    const { reply } = roleReplies({
      planner: [plan, plan],
      coder: [exec("print('next')"), "<solution>done</solution>", exec("print('more')"), "<solution>done</solution>"],
      critic: [done("done"), done("done")],
    });
    server = await startFakeOpenAI([reply], { repeatLast: true });
    const modelEnv = { ...env, OPENAI_API_KEY: "x" };
    const model = ["--model", "fake", "--base-url", server.baseUrl];
    const json = await codeact(["run", "again", "--thread", "dv", "--executor", "local", ...model, "--json"], modelEnv);
    expect(json.stderr).not.toMatch(/codeact: (?!WARNING: the local kernel)/);
    expect(events(json.stdout).find((e) => e.type === "rehydrated")).toMatchObject({
      replayed: 2,
      failed: 1,
      diverged: [
        { step: 0, kind: "ended", recorded: "ok", replayed: "ValueError: flag is set" },
        { step: 0, kind: "ended", recorded: "KeyError: 'no flag'", replayed: "ok" },
      ],
    });
    // The agent's next observation says which cells ended otherwise, and what that may have cost.
    const saved = await createCheckpointer({ kind: "sqlite", path: join(home, "checkpoints.sqlite") });
    try {
      const state = await readThreadState(saved.saver, "dv");
      const note = state.cells.at(-1)!.notes?.join("\n") ?? "";
      expect(note).toMatch(/2 of them did not do what they did before \(step 1 ended "ValueError: flag is set", before "ok"; step 1 ended "ok", before "KeyError: 'no flag'"\)/);
      expect(note).toMatch(/Variables those cells set may be missing or different/);
      const prompt = server.requests.filter((r) => roleOf(r) === "coder").at(-1)!.messages.map((m) => textOf(m.content)).join("\n");
      expect(prompt).toContain(note);
    } finally {
      await saved.close();
    }

    // In the terminal, each with what differs.
    const text = await codeact(["run", "once more", "--thread", "dv", "--executor", "local", ...model], modelEnv);
    expect(text.stdout).toMatch(/Kernel rehydrated: 3 cells replayed, 1 failed on replay/);
    expect(text.stdout).toMatch(/⚠ replayed cell of step 1 ended differently: was "ok", now "ValueError: flag is set"/);
    expect(text.stdout).toMatch(/⚠ replayed cell of step 1 ended differently: was "KeyError: 'no flag'", now "ok"/);
  });
});
