/** Runs the `codeact` command as a child process, the way a user does. */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

export const root = join(__dirname, "..", "..");
export const tsx = join(root, "node_modules", ".bin", "tsx");

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  cwd?: string;
  /** Written to the command's stdin, then closed (piped answers); without it stdin is closed at once. */
  input?: string;
}

export function codeact(args: string[], env: NodeJS.ProcessEnv = {}, options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    // One process (no tsx wrapper), so signals sent to it reach the run itself.
    const child = spawn(process.execPath, ["--import", pathToFileURL(require.resolve("tsx")).href, join(root, "cli", "main.ts"), ...args], {
      cwd: options.cwd ?? root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: [options.input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

export interface Running {
  child: ChildProcess;
  output: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `codeact` and returns at once, for tests that signal or kill it mid-run. */
export function startCodeact(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, ["--import", pathToFileURL(require.resolve("tsx")).href, join(root, "cli", "main.ts"), ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  return { child, output: () => out, exit };
}

export async function waitFor(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** A scripted trajectory: one plan step, the given code actions, then an answer (the critic judges only the answer). */
export function trajectory(actions: string[], answer = "done"): string {
  return JSON.stringify({
    planner: ['{"steps": [{"description": "do it", "doneCriterion": "done"}]}'],
    coder: [...actions.map((a) => `<execute>\n${a}\n</execute>`), `<solution>${answer}</solution>`],
    critic: [`{"verdict": "done", "answer": ${JSON.stringify(answer)}}`],
  });
}

export interface AtTerminal extends Running {
  /** Types keys at the terminal ("\x03" is Ctrl-C: the line discipline sends SIGINT to the program's process group). */
  type(keys: string): void;
  /** The program's own pid (the relay's child), for signals a terminal does not send (SIGTERM). */
  pid(): number;
}

/** `codeact` on a real pseudo-terminal (tests/cli/pty-relay.py), one node process, as a person runs it. */
export function codeactAtTerminal(args: string[], env: NodeJS.ProcessEnv = {}): AtTerminal {
  const child = spawn("/usr/bin/python3", [join(__dirname, "pty-relay.py"), process.execPath, "--import", pathToFileURL(require.resolve("tsx")).href, join(root, "cli", "main.ts"), ...args], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
    stdio: ["pipe", "pipe", "inherit"],
  });
  let screen = "";
  child.stdout!.on("data", (d: Buffer) => (screen += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on("exit", (code, signal) => resolve({ code, signal })));
  const pid = () => Number(execFileSync("pgrep", ["-P", String(child.pid)], { encoding: "utf8" }).trim().split("\n")[0]);
  // Keys typed after the program ended (it may pause and exit before a second Ctrl-C lands) go
  // nowhere, as at a real terminal; the closed pipe is not the test's failure.
  child.stdin!.on("error", () => undefined);
  const type = (keys: string) => void (child.exitCode === null && !child.stdin!.destroyed && child.stdin!.write(keys));
  return { child, output: () => screen, exit, type, pid };
}
