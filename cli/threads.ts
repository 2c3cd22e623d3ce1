/** `codeact threads`, `codeact history <thread>`, `codeact branch <thread> --at <checkpoint>`. */
import type { Command } from "commander";
import { branchThread } from "../checkpoints/branch";
import { createCheckpointer } from "../checkpoints/savers";
import { checkThreadId } from "../checkpoints/thread-id";
import { listThreads, threadHistory } from "../checkpoints/threads";
import { inert } from "./inert";
import { checkpointerFromFlags, type RunFlags } from "./run";

type StoreFlags = Pick<RunFlags, "checkpoints" | "postgres"> & { json?: boolean };

async function withStore<T>(flags: StoreFlags, fn: (store: Awaited<ReturnType<typeof createCheckpointer>>) => Promise<T>, readOnly = false): Promise<T> {
  const store = await createCheckpointer({ ...checkpointerFromFlags(flags as RunFlags), readOnly });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

const storeOptions = (cmd: Command) =>
  cmd.option("--checkpoints <file>", "SQLite checkpoint file").option("--postgres <url>", "Postgres checkpoint store").option("--json", "machine-readable output");

export function registerThreads(program: Command): void {
  storeOptions(program.command("threads").description("list runs: id, task, status, steps, last update")).action(async (flags: StoreFlags) => {
    const threads = await withStore(flags, (s) => listThreads(s.saver), true);
    if (flags.json) return console.log(JSON.stringify(threads));
    if (!threads.length) return console.log("No runs yet.");
    console.table(threads.map((t) => ({ thread: inert(t.threadId), task: inert(t.task.slice(0, 50)), status: inert(t.status), steps: t.steps, updated: t.updated })));
  });

  storeOptions(program.command("history").argument("<thread>", "thread id").description("a run's checkpoints: id, node, step, summary")).action(async (thread: string, flags: StoreFlags) => {
    checkThreadId(thread);
    const history = await withStore(flags, (s) => threadHistory(s.saver, thread), true);
    if (flags.json) return console.log(JSON.stringify(history));
    console.table(history.map((h) => ({ checkpoint: h.checkpointId, step: h.step, next: h.next.join(",") || "(end)", summary: inert(h.summary.slice(0, 90)) })));
  });

  storeOptions(
    program
      .command("branch")
      .argument("<thread>", "thread id")
      .requiredOption("--at <checkpoint>", "checkpoint id to branch from (see `codeact history`)")
      .option("--instruction <text>", "a new instruction for the agent at that point")
      .option("--code <code>", "replace the pending code action")
      .option("--name <thread>", "id for the new thread")
      .description("start a new thread from any checkpoint; the original stays as it was"),
  ).action(async (thread: string, flags: StoreFlags & { at: string; instruction?: string; code?: string; name?: string }) => {
    checkThreadId(thread);
    if (flags.name !== undefined) checkThreadId(flags.name);
    const id = await withStore(flags, (s) => branchThread(s.saver, thread, flags.at, { instruction: flags.instruction, code: flags.code, newThreadId: flags.name, artifacts: s.artifacts }));
    if (flags.json) return console.log(JSON.stringify({ thread: id }));
    console.log(id);
    console.error(`Branched ${thread}@${flags.at} into ${id}. Continue it with: codeact resume ${id}`);
  });
}
