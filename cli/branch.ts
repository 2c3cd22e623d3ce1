/**
 * `codeact branch <thread> --at <point>`: a new thread from any checkpoint of another, then run it
 * (as `codeact resume` would) unless --no-run. The point is what `codeact history` shows: a step
 * number, a cell (cell:3 — just before cell 3 ran) or a checkpoint id or a prefix of one.
 * Its own module: it takes the run flags, whose module loads the models; `codeact threads` must not.
 */
import type { Command } from "commander";
import { createCheckpointer } from "../checkpoints/savers";
import { checkThreadId } from "../checkpoints/thread-id";
import { branchPoint, branchThread } from "../graphs/branch";
import { openThread, threadHistory } from "../graphs/threads";
import { inert } from "../exports/inert";
import type { RunFlags } from "./flags";
import { addRunFlags, runAndReport, scriptedModels } from "./run";
import { checkpointerFromFlags } from "./store-flags";
import { typedFlags } from "./thread-settings";
import { UsageError } from "./flags";

interface BranchFlags extends RunFlags {
  at: string;
  instruction?: string;
  code?: string;
  name?: string;
  /** commander's --no-run: false when given. */
  run: boolean;
}

/** Branches and returns the new thread's id and the checkpoint it started from. */
async function branch(thread: string, flags: BranchFlags): Promise<{ id: string; from: string }> {
  const store = await createCheckpointer(checkpointerFromFlags(flags));
  try {
    const reader = await openThread(store.saver, thread);
    const from = branchPoint(thread, await threadHistory(reader, thread), flags.at);
    const id = await branchThread(store.saver, thread, from, { instruction: flags.instruction, code: flags.code, newThreadId: flags.name, artifacts: store.artifacts, settings: store.settings });
    return { id, from };
  } finally {
    await store.close();
  }
}

export function registerBranch(program: Command): void {
  addRunFlags(
    program
      .command("branch")
      .argument("<thread>", "thread id")
      .requiredOption("--at <point>", "where to branch, as `codeact history` shows it: a step number (7), a cell (cell:3, just before cell 3 ran) or a checkpoint id or its first characters")
      .option("--instruction <text>", "a new instruction for the agent at that point")
      .option("--code <code>", "replace the pending code action")
      .option("--name <thread>", "id for the new thread")
      .option("--no-run", "only create the branch; continue it later with `codeact resume`")
      .description("start a new thread from any checkpoint and run it; the original stays as it was"),
  ).action(async (thread: string, flags: BranchFlags, cmd: Command) => {
    checkThreadId(thread);
    if (flags.name !== undefined) checkThreadId(flags.name);
    if (flags.memory) throw new UsageError("--memory holds no earlier thread to branch from; give the store the thread is in (--checkpoints or --postgres).");
    if (flags.input?.length) throw new UsageError("--input goes with a new task; a branch keeps the inputs of the thread it comes from.");
    // A trajectory file that cannot be read stops here, before the branch exists.
    if (flags.run && flags.scripted) scriptedModels(flags.scripted);
    const { id, from } = await branch(thread, flags);
    if (!flags.run) {
      if (flags.json) return console.log(JSON.stringify({ thread: id, from }));
      console.log(id);
      return console.error(`Branched ${inert(thread)}@${from} into ${id}. Continue it with: codeact resume ${id}`);
    }
    if (flags.json) console.log(JSON.stringify({ type: "branched", thread: id, from: { thread, checkpoint: from } }));
    else console.error(`Branched ${inert(thread)}@${from} into ${id}; running it.`);
    // The branch-only flags are no run settings; the rest is a resume of the new thread.
    const given = typedFlags(cmd);
    for (const k of ["at", "instruction", "code", "name", "run"]) given.delete(k);
    process.exitCode = await runAndReport(null, id, flags, given);
  });
}
