/**
 * The CLI at a real terminal. Approval prompts are answered through a pseudo-terminal (piped input
 * cannot show a spinner pausing stdin under the prompt), and text from the model and the kernel
 * reaches the terminal inert: escape sequences are shown, never obeyed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, root, trajectory, tsx } from "./helpers";

const PROMPT = "[a]pprove, [e]dit, [r]eject? ";

/**
 * Runs codeact on a pseudo-terminal; each time the approval prompt appears, types the next answer.
 * Resolves when the program exits, with everything the terminal received.
 */
function atTerminal(args: string[], env: NodeJS.ProcessEnv, answers: string[]): { done: Promise<{ code: number | null; screen: string; prompts: number }>; child: ChildProcess } {
  const child = spawn("/usr/bin/python3", [join(__dirname, "pty-relay.py"), tsx, join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "inherit"] });
  let screen = "";
  let prompts = 0;
  child.stdout!.on("data", (d: Buffer) => {
    screen += d.toString();
    const seen = screen.split(PROMPT).length - 1;
    while (prompts < seen) {
      const answer = answers[prompts++];
      if (answer !== undefined) child.stdin!.write(`${answer}\r`);
    }
  });
  const done = new Promise<{ code: number | null; screen: string; prompts: number }>((resolve) => child.on("exit", (code) => resolve({ code, screen, prompts })));
  return { done, child };
}

describe("codeact at a terminal", () => {
  let home: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-tty-"));
  });
  afterEach(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  it("--approve answers every prompt typed at a pseudo-terminal; an empty edit asks again; hostile escapes are shown, not obeyed", async () => {
    const script = join(home, "script.json");
    const t = JSON.parse(
      trajectory([
        // Cursor-up + erase-line would hide the line from the person approving it.
        'print("shown")\nprint("hidden")  # hide\x1b[1A\x1b[2K',
        // Output that sets the window title (OSC 0) and writes the clipboard (OSC 52).
        'print("\\x1b]0;pwned-title\\x07\\x1b]52;c;cHduZWQ=\\x07after")',
      ]),
    ) as { coder: string[] };
    t.coder[0] = `Tidy up.\x1b]0;thought-title\x07\n${t.coder[0]}`;
    writeFileSync(script, JSON.stringify(t));
    // An editor that leaves the file empty, as a person saving nothing would.
    const run = atTerminal(["run", "print", "--approve", "--scripted", script, "--executor", "docker", "--thread", "tty"], { CODEACT_HOME: home, EDITOR: "truncate -s 0", VISUAL: "" }, ["a", "e", "a"]);
    child = run.child;
    const { code, screen, prompts } = await run.done;
    expect(prompts).toBe(3);
    expect(screen).toContain("Nothing to run from the edit");
    expect(code).toBe(0);
    expect(screen).toMatch(/Answer:\S* done/);
    // The approval showed the hiding sequence as text, and the terminal never received it.
    expect(screen).toContain('# hide␛[1A␛[2K');
    expect(screen).not.toContain("hide\x1b[1A");
    expect(screen).toContain("Tidy up.␛]0;thought-title␇");
    expect(screen).toContain("␛]0;pwned-title␇␛]52;c;cHduZWQ=␇after");
    expect(screen).not.toMatch(/\x1b\]|\x07/); // no OSC reached the terminal at all
  }, 180_000);

  it("with piped answers an empty edit asks again instead of ending the run; tables show hostile task text inert", async () => {
    const script = join(home, "script.json");
    writeFileSync(script, trajectory(['print("ok")']));
    const task = "a task\x1b]0;table-title\x07 \u202eevil";
    const run = await codeact(["run", task, "--approve", "--scripted", script, "--executor", "docker", "--thread", "piped"], { CODEACT_HOME: home }, { input: "e\n.\na\n" });
    expect(run.stderr).toContain("Nothing to run from the edit");
    expect(run.code).toBe(0);
    const threads = await codeact(["threads"], { CODEACT_HOME: home });
    expect(threads.code).toBe(0);
    expect(threads.stdout).toContain("a task␛]0;table-title␇ <U+202E>evil");
    expect(threads.stdout).not.toContain("\u202e");
  }, 120_000);
});
