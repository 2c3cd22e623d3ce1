/** The terminal side of approval mode: show the code, then approve, edit or reject it. */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import pc from "picocolors";
import type { Approval, ApprovalRequest } from "../graphs/state/state";
import { inert } from "../exports/inert";
import { CodeActError } from "../errors";

/**
 * One line reader for the whole run. readline drops lines that arrive while no question is pending,
 * which is every line after the first when the answers are piped in; its async iterator keeps them.
 */
export class LineReader {
  private readonly rl = createInterface({ input: process.stdin, terminal: false });
  private readonly lines = this.rl[Symbol.asyncIterator]();

  async ask(prompt: string, ended = "Input ended while an action was waiting for approval; the action has not run."): Promise<string> {
    process.stderr.write(prompt);
    // Whatever else touched stdin meanwhile (a spinner, an editor), the answer must be read.
    this.rl.resume();
    const next = await this.lines.next();
    // The answers given (piped, most often) ran out before the decision: the caller's to give again.
    if (next.done) throw new CodeActError("usage", ended);
    return next.value;
  }

  close(): void {
    this.rl.close();
  }
}

/** The edited code, or undefined when the edit gave nothing to run (empty, or the editor failed). */
async function editCode(input: LineReader, code: string): Promise<string | undefined> {
  // An editor needs a terminal; with piped input (a script answering) it would hang, so read lines.
  const editor = process.stdin.isTTY && process.stderr.isTTY ? (process.env.VISUAL || process.env.EDITOR) : undefined;
  if (editor) {
    const dir = mkdtempSync(join(tmpdir(), "codeact-edit-"));
    const file = join(dir, "action.py");
    writeFileSync(file, code);
    try {
      const run = spawnSync(editor, [file], { stdio: "inherit", shell: /\s/.test(editor) });
      if (run.error || run.status !== 0) return undefined;
      const edited = readFileSync(file, "utf8");
      return edited.trim() ? edited : undefined;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  process.stderr.write(pc.dim("Type the new code; end with a line holding only a dot (.). An empty edit keeps the action as it is.\n"));
  const lines: string[] = [];
  for (;;) {
    const line = await input.ask("");
    if (line === ".") break;
    lines.push(line);
  }
  const edited = lines.join("\n");
  return edited.trim() ? edited : undefined;
}

export interface TerminalApprover {
  /** `who`: the sub-agent whose action it is (its profile and thread), when not the run's own. */
  (request: ApprovalRequest, who?: { agent: string; thread: string }): Promise<Approval>;
  /** Stops reading the terminal (the process cannot exit while it reads). */
  close(): void;
}

/** `shared`: the one reader of a run that also asks questions (cli/ask.ts), so no line goes to the wrong prompt. */
export function terminalApprover(shared?: () => LineReader): TerminalApprover {
  let own: LineReader | undefined;
  const approve = async (request: ApprovalRequest, who?: { agent: string; thread: string }): Promise<Approval> => {
    // The shared reader is asked for each time: its owner may have closed it between turns.
    const input = shared ? shared() : (own ??= new LineReader());
    const whose = who ? ` — sub-agent ${inert(who.agent)} (thread ${inert(who.thread)})` : "";
    process.stderr.write(pc.bold(pc.yellow(`\nApproval needed${whose} — step ${request.step + 1}${request.attempt ? `, retry ${request.attempt}` : ""}:\n`)));
    // Shown inert: escape sequences in the code could otherwise hide lines of what would run.
    const thought = (request.thought ?? "").trim(); // absent in requests saved by older versions
    if (thought) process.stderr.write(pc.dim(`${inert(thought).split("\n").map((l) => `  ${l}`).join("\n")}\n`));
    process.stderr.write(`${inert(request.code).split("\n").map((l) => `  │ ${l}`).join("\n")}\n`);
    for (;;) {
      const choice = (await input.ask(pc.bold("[a]pprove, [e]dit, [r]eject? "))).trim().toLowerCase();
      if (choice === "a" || choice === "approve" || choice === "") return { action: "approve" };
      if (choice === "e" || choice === "edit") {
        const code = await editCode(input, request.code);
        if (code !== undefined) return { action: "edit", code };
        process.stderr.write(pc.yellow("Nothing to run from the edit (empty, or the editor failed): the action is unchanged and still waiting.\n"));
        continue;
      }
      if (choice === "r" || choice === "reject") return { action: "reject", feedback: (await input.ask("Why (sent to the agent)? ")).trim() };
    }
  };
  return Object.assign(approve, {
    close: () => {
      own?.close();
      own = undefined;
    },
  });
}
