/**
 * ask_user() at a real terminal (a pseudo-terminal): the question is shown inert (it is text from
 * model-written code), the person types the answer, and the run goes on with it. With --approve
 * the approval and question prompts share one reader, so no typed line reaches the wrong prompt.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { codeact, root } from "./helpers";

const plan = JSON.stringify({ steps: [{ description: "greet", doneCriterion: "greeted" }] });

/** Runs codeact on a pseudo-terminal; each prompt (by its text) is answered in turn from `answers`. */
function atTerminal(args: string[], env: NodeJS.ProcessEnv, prompts: string[], answers: string[]): { done: Promise<{ code: number | null; screen: string; asked: number }>; child: ChildProcess } {
  // One node process (tsx as a loader, not its CLI): the tsx CLI would relay the terminal's SIGINT to
  // its child, which then sees Ctrl-C twice and quits at once instead of pausing.
  const child = spawn("/usr/bin/python3", [join(__dirname, "pty-relay.py"), process.execPath, "--import", pathToFileURL(require.resolve("tsx")).href, join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
  let screen = "";
  let asked = 0;
  child.stdout!.on("data", (d: Buffer) => {
    screen += d.toString();
    const seen = prompts.reduce((n, p) => n + screen.split(p).length - 1, 0);
    while (asked < seen) {
      const answer = answers[asked++];
      // "\x03" is Ctrl-C typed at the terminal (the line discipline turns it into SIGINT).
      if (answer !== undefined) child.stdin!.write(answer === "\x03" ? answer : `${answer}\r`);
    }
  });
  const done = new Promise<{ code: number | null; screen: string; asked: number }>((resolve) => child.on("exit", (code) => resolve({ code, screen, asked })));
  return { done, child };
}

describe("ask_user() at a terminal", () => {
  let home: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-ask-tty-"));
  });
  afterEach(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  it("prompts for the answer with the question shown inert, and the code uses what was typed (with --approve sharing the reader)", async () => {
    const path = join(home, "script.json");
    writeFileSync(path, JSON.stringify({
      planner: [plan],
      // The question carries an OSC sequence (set the window title): it must be shown, not obeyed.
      coder: ['<execute>\nname = ask_user("Your name?\\x1b]0;pwned\\x07")\n</execute>', '<execute>\nprint("hello", name)\n</execute>', "<solution>greeted</solution>"],
      critic: [JSON.stringify({ verdict: "done", answer: "greeted" })],
    }));
    // Approve the asking cell, answer its question, approve the next cell.
    const run = atTerminal(["run", "greet me", "--approve", "--scripted", path, "--executor", "docker", "--thread", "tty-ask"], { CODEACT_HOME: home }, ["[a]pprove, [e]dit, [r]eject? ", "Your answer: "], ["a", "Ada", "a"]);
    child = run.child;
    const { code, screen, asked } = await run.done;
    expect(asked).toBe(3);
    expect(code).toBe(0);
    expect(screen).toContain("The agent asks (step 1):");
    expect(screen).toContain("Your name?␛]0;pwned␇");
    expect(screen).not.toMatch(/\x1b\]|\x07/);
    expect(screen).toContain("hello Ada");
    expect(screen).toMatch(/Answer:\S* greeted/);
  }, 180_000);

  it("Ctrl-C at the question pauses the run (the question stays waiting); resume --answer continues it", async () => {
    const first = join(home, "first.json");
    writeFileSync(first, JSON.stringify({ planner: [plan], coder: ['<execute>\nname = ask_user("Your name?")\nprint("hello", name)\n</execute>'], critic: [] }));
    const run = atTerminal(["run", "greet me", "--scripted", first, "--executor", "docker", "--thread", "tty-int"], { CODEACT_HOME: home }, ["Your answer: "], ["\x03"]);
    child = run.child;
    const { screen, asked } = await run.done;
    expect(asked).toBe(1);
    expect(screen).toContain("Paused. Resume with: codeact resume tty-int");

    const rest = join(home, "rest.json");
    writeFileSync(rest, JSON.stringify({ planner: [], coder: ["<solution>greeted</solution>"], critic: [JSON.stringify({ verdict: "done", answer: "greeted" })] }));
    const resumed = await codeact(["resume", "tty-int", "--answer", "Bob", "--scripted", rest, "--executor", "docker"], { CODEACT_HOME: home });
    if (resumed.code !== 0) throw new Error(`resume exited ${resumed.code}: ${resumed.stderr}`);
    expect(resumed.stdout).toContain("hello Bob");
  }, 180_000);
});
