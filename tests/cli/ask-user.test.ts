/**
 * ask_user() from the command line, with real processes, the Docker kernel and real stores:
 * with --json (or no terminal) the run stops with a `question` event and exit code 3, and
 * `codeact resume <id> --answer` continues it; a kill -9 while the answered cell runs, and another
 * after it, are resumed without asking again (the answer is replayed into the rebuilt kernel).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { codeact, startCodeact, waitFor } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

const plan = JSON.stringify({ steps: [{ description: "ask and add", doneCriterion: "sum printed" }] });
const exec = (code: string) => `<execute>\n${code}\n</execute>`;
const done = (answer: string) => JSON.stringify({ verdict: "done", answer });

function script(home: string, name: string, t: { planner?: string[]; coder?: string[]; critic?: string[] }): string {
  const path = join(home, `${name}.json`);
  writeFileSync(path, JSON.stringify({ planner: t.planner ?? [], coder: t.coder ?? [], critic: t.critic ?? [] }));
  return path;
}

const events = (stdout: string) => stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });

describe("ask_user() from the CLI", () => {
  let home: string;
  let db: TestDatabase | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-ask-cli-"));
  });
  afterEach(() => {
    db?.drop();
    db = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it("--json: stops with a question event and exit 3; resume --answer 42 continues and the code uses the answer", async () => {
    const env = { CODEACT_HOME: home };
    const first = script(home, "first", { planner: [plan], coder: [exec('n = ask_user("Which number?")\nprint("got", n)')] });
    const run = await codeact(["run", "add one to my number", "--json", "--scripted", first, "--executor", "docker", "--thread", "ask-json"], env);
    expect(run.code).toBe(3);
    const asked = events(run.stdout);
    expect(asked.filter((e) => e.type === "question")).toEqual([expect.objectContaining({ type: "question", question: "Which number?", step: 0 })]);
    expect(asked.some((e) => e.type === "finished" || e.type === "cell")).toBe(false);
    expect(run.stderr).toContain('codeact resume ask-json --answer "<your answer>"');

    // An answer to a thread that is not waiting for one is refused before anything runs.
    const other = script(home, "other", { planner: [plan], coder: [exec("print(1)"), "<solution>1</solution>"], critic: [done("1")] });
    expect((await codeact(["run", "no question", "--json", "--scripted", other, "--executor", "docker", "--thread", "plain"], env)).code).toBe(0);
    const refused = await codeact(["resume", "plain", "--answer", "42", "--scripted", other, "--executor", "docker"], env);
    expect(refused.stderr).toContain("codeact: Thread plain already ended (done); it is not waiting for an answer.");
    expect(refused.code).toBe(EXIT_CODES.conflict);

    const rest = script(home, "rest", { coder: [exec("print(int(n) + 1)"), "<solution>43</solution>"], critic: [done("43")] });
    const resumed = await codeact(["resume", "ask-json", "--answer", "42", "--json", "--scripted", rest, "--executor", "docker"], env);
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}: ${resumed.stderr}`);
    const after = events(resumed.stdout);
    expect(after.some((e) => e.type === "question")).toBe(false);
    const cells = after.filter((e) => e.type === "cell").map((e) => e.cell as { result: { stdout: string }; answers?: unknown });
    expect(cells.map((c) => c.result.stdout)).toEqual(["got 42\n", "43\n"]);
    expect(cells[0]!.answers).toEqual([{ question: "Which number?", answer: "42" }]);
    expect(after.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "43" });
  }, 240_000);

  it("kill -9 while the answered cell runs, and again after it: resume never asks again (Postgres)", async () => {
    db = createTestDatabase();
    const env = { CODEACT_HOME: home };
    const store = ["--postgres", db.url, "--executor", "docker"];
    const asking = exec('n = ask_user("Which number?")\nprint("got", n, flush=True)\nimport time\ntime.sleep(4)\nprint("slept")');
    const first = script(home, "first", { planner: [plan], coder: [asking] });
    const run = await codeact(["run", "ask then crash", "--json", "--scripted", first, "--thread", "ask-crash", ...store], env);
    expect(run.code).toBe(3);

    // Killed while the cell that got the answer is still running: the cell is not recorded yet.
    const nothing = script(home, "nothing", {});
    const answering = startCodeact(["resume", "ask-crash", "--answer", "42", "--scripted", nothing, ...store], env);
    await waitFor(() => answering.output().includes("got 42"), 90_000, "the answered cell to print");
    answering.child.kill("SIGKILL");
    expect((await answering.exit).signal).toBe("SIGKILL");

    // Resumed without --answer: the answer given before the kill is still the thread's; then killed
    // again during the next cell, after the answered cell was recorded.
    const second = script(home, "second", { coder: [exec('import time\nprint("second start", flush=True)\ntime.sleep(4)\nprint("second", int(n) + 1)')] });
    const again = startCodeact(["resume", "ask-crash", "--scripted", second, ...store], env);
    // An output line, not the echoed code (which holds the same words).
    await waitFor(() => /^\s*second start\s*$/m.test(again.output()), 90_000, "the second cell to start");
    again.child.kill("SIGKILL");
    await again.exit;
    expect(again.output()).toContain("got 42");
    expect(again.output()).not.toContain("The agent asks");

    // The last resume rebuilds the kernel from the recorded cell: its answer is replayed, nobody is asked.
    const last = script(home, "last", { coder: ["<solution>43</solution>"], critic: [done("43")] });
    const finish = await codeact(["resume", "ask-crash", "--scripted", last, ...store], env);
    if (finish.code !== 0) throw new Error(`resume exited ${finish.code}: ${finish.stderr}${finish.stdout}`);
    expect(finish.stdout + finish.stderr).not.toContain("The agent asks");
    expect(finish.stdout).toMatch(/Kernel rehydrated: 1 cells replayed in/);
    expect(finish.stdout).toContain("second 43");

    const cp = await createCheckpointer({ kind: "postgres", connectionString: db.url });
    try {
      const state = await readThreadState(cp.saver, "ask-crash");
      expect(state.status).toBe("done");
      expect(state.cells.map((c) => c.result.stdout.split("\n")[0])).toEqual(["got 42", "second start"]);
      expect(state.cells[0]!.answers).toEqual([{ question: "Which number?", answer: "42" }]);
    } finally {
      await cp.close();
    }
  }, 300_000);
});
