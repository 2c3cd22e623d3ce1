/** The `codeact` command as a child process (tsx on cli/main.ts), for the CLI tests in this folder. */
import { spawn } from "node:child_process";
import { join } from "node:path";

export const root = join(__dirname, "..", "..");
export const tsx = join(root, "node_modules", ".bin", "tsx");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function codeact(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = spawn(tsx, [join(root, "cli", "main.ts"), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env },
      stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** A scripted trajectory: one plan step, the given code actions, then an answer (the critic judges only the answer). */
export function trajectory(actions: string[], answer = "done"): string {
  return JSON.stringify({
    planner: ['{"steps": [{"description": "do it", "doneCriterion": "done"}]}'],
    coder: [...actions.map((a) => `<execute>\n${a}\n</execute>`), `<solution>${answer}</solution>`],
    critic: [`{"verdict": "done", "answer": ${JSON.stringify(answer)}}`],
  });
}
