/**
 * `codeact chat [--thread <id>]`: one turn after another on one thread, in one session (store,
 * lock and kernel kept for the whole chat, so variables stay without replaying cells).
 *
 * Keys, as a chat user expects them: Enter sends the request; Ctrl-C during a turn pauses it (its
 * finished steps are checkpointed) and comes back to the prompt, where an empty line (or /resume)
 * continues it; Ctrl-C or Ctrl-D at the prompt leaves, with the resume hint when a turn is paused.
 */
import { createInterface, type Interface } from "node:readline";
import type { Command } from "commander";
import pc from "picocolors";
import { inert } from "../exports/inert";
import { addRunFlags, type RunFlags, sessionFromFlags } from "./run";
import { exportLine, laterCommand } from "./store-flags";
import { threadSettingsFor, typedFlags } from "./thread-settings";
import { newThreadId, openSession, type Session, watchSignals } from "./session";

const PROMPT = "you> ";

/** Lines typed at the prompt; null when the person leaves (Ctrl-D, Ctrl-C at the prompt, end of input). */
interface Lines {
  next(): Promise<string | null>;
  close(): void;
}

/**
 * At a terminal, a fresh line reader per prompt: closed while a turn runs, the terminal is back in
 * its normal mode, so Ctrl-C reaches the process as SIGINT and pauses the turn. Piped input is read
 * by one reader, so lines sent ahead are not lost between prompts.
 */
function promptLines(): Lines {
  if (process.stdin.isTTY) {
    let rl: Interface | undefined;
    return {
      next: () =>
        new Promise<string | null>((resolve) => {
          rl = createInterface({ input: process.stdin, output: process.stdout, terminal: true });
          let answered = false;
          rl.on("SIGINT", () => rl?.close());
          rl.on("close", () => {
            if (answered) return;
            process.stdout.write("\n");
            resolve(null);
          });
          rl.question(PROMPT, (line) => {
            answered = true;
            rl?.close();
            resolve(line);
          });
        }),
      close: () => rl?.close(),
    };
  }
  const rl = createInterface({ input: process.stdin, terminal: false });
  const queue: string[] = [];
  let ended = false;
  let waiting: ((line: string | null) => void) | undefined;
  rl.on("line", (line) => (waiting ? (waiting(line), (waiting = undefined)) : queue.push(line)));
  rl.on("close", () => {
    ended = true;
    waiting?.(null);
  });
  return {
    next: () => {
      process.stdout.write(PROMPT);
      if (queue.length) return Promise.resolve(queue.shift()!);
      if (ended) return Promise.resolve(null);
      return new Promise((resolve) => (waiting = resolve));
    },
    close: () => rl.close(),
  };
}

/** The chat loop; returns the exit code (0 when left normally, 130 when left with a paused turn). */
export async function chat(typed: RunFlags, given?: ReadonlySet<string>): Promise<number> {
  const threadId = typed.thread ?? newThreadId();
  // A chat on an existing thread goes on with its recorded settings, like resume and follow-ups.
  const settings = await threadSettingsFor(typed, threadId, { given, command: "chat" });
  const flags = settings.flags;
  const opts = sessionFromFlags(flags, threadId);
  opts.beforeRun = settings.record;
  if (settings.reused) opts.log(pc.dim(`with the thread's recorded settings: ${inert(settings.reused)}`));
  // The terminal prompts for approvals and questions read stdin only while a turn runs.
  const closePrompts = () => {
    for (const prompt of [opts.onApproval, opts.onQuestion]) (prompt as { close?: () => void } | undefined)?.close?.();
  };
  const log = opts.log;
  const setup = watchSignals(log);
  let session: Session | undefined;
  try {
    session = await openSession(threadId, opts, setup);
  } finally {
    setup.remove();
  }
  if (!session) return 130;
  const lines = promptLines();
  let paused = await session.inProgress();
  log(pc.dim(`chat on thread ${threadId} — Enter sends a request; Ctrl-C pauses a turn; Ctrl-D leaves`));
  if (paused) log(`This thread has a turn in progress: press Enter (or type /resume) to continue it.`);
  try {
    for (;;) {
      const line = await lines.next();
      if (line === null) break;
      const text = line.trim();
      let task: string | null;
      if (!text || text === "/resume") {
        if (!paused) continue;
        task = null;
      } else if (paused) {
        log("The last turn is paused: press Enter (or /resume) to continue it first; a new request would discard it.");
        continue;
      } else task = text;
      const watch = watchSignals(log);
      try {
        const result = await session.turn(task, watch);
        paused = result.paused;
        if (paused) log("Paused. Press Enter (or /resume) to continue this turn; Ctrl-D leaves.");
      } catch (err) {
        // The turn is kept up to its last finished step; the chat goes on.
        log(`codeact: ${inert((err as Error).message)}`);
        paused = await session.inProgress().catch(() => false);
      } finally {
        watch.remove();
        closePrompts();
      }
    }
  } finally {
    lines.close();
    closePrompts();
    await session.close();
  }
  if (paused) {
    log(laterCommand(flags, threadId, `A turn is paused. Resume with: codeact resume ${threadId}  (or: codeact chat --thread ${threadId})`));
    return 130;
  }
  log(pc.dim(exportLine(flags, threadId)));
  return 0;
}

export function registerChat(program: Command): void {
  addRunFlags(
    program.command("chat").description("talk to the agent turn by turn on one thread (Ctrl-C pauses a turn, Ctrl-D leaves)").option("--thread <id>", "thread id: continue an existing thread (default: a new one)"),
  ).action(async (flags: RunFlags, cmd: Command) => {
    process.exitCode = await chat(flags, typedFlags(cmd));
  });
}
