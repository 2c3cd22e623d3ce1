/**
 * `codeact rm <thread> [--yes]`: deletes a thread for good: its checkpoints and channel writes, its
 * artifacts (bytes no other thread shares), its lock and run rows and any other per-thread table
 * (PER_THREAD_TABLES in checkpoints/thread-status.ts), and its saved plots. A thread a live process
 * runs is refused: the lock is taken for the deletion, so no run can start halfway through it.
 */
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Command } from "commander";
import Database from "better-sqlite3";
import { codeactHome } from "../executors/home";
import { lockThread, memoryThreadRuns, pgPurgeThread, ThreadBusyError } from "../checkpoints/lock";
import { type Checkpointer, createCheckpointer } from "../checkpoints/savers";
import { checkThreadId } from "../checkpoints/thread-id";
import { PER_THREAD_TABLES } from "../checkpoints/thread-status";
import { UsageError } from "./flags";
import { inert } from "../exports/inert";
import { checkpointerFromFlags, type StoreFlags } from "./store-flags";
import { CodeActError } from "../errors";

export interface RemoveResult {
  checkpoints: number;
  artifacts: { unlinked: number; deleted: number };
  plotsDir?: string;
}

/** The thread's rows in codeact's own per-thread tables (locks, run records, settings, …). */
async function purgeTables(store: Checkpointer, threadId: string): Promise<void> {
  if (store.kind === "memory") return memoryThreadRuns.forget(threadId);
  if (store.kind === "sqlite") {
    const db = new Database(store.target!);
    try {
      const present = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((r) => r.name));
      db.transaction(() => {
        for (const table of PER_THREAD_TABLES) if (present.has(table)) db.prepare(`DELETE FROM "${table}" WHERE thread_id = ?`).run(threadId);
      }).immediate();
    } finally {
      db.close();
    }
    return;
  }
  const pg = require("pg") as typeof import("pg");
  const client = new pg.Client({ connectionString: store.target });
  client.on("error", () => undefined);
  await client.connect();
  try {
    await pgPurgeThread(client, threadId, PER_THREAD_TABLES);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function countCheckpoints(store: Checkpointer, threadId: string): Promise<number> {
  let n = 0;
  for await (const _ of store.saver.list({ configurable: { thread_id: threadId } })) n++;
  return n;
}

/** Deletes everything of `threadId` in `store` and its default plots dir; refuses while a live process holds it. */
export async function removeThread(store: Checkpointer, threadId: string): Promise<RemoveResult> {
  checkThreadId(threadId);
  let lock;
  try {
    lock = await lockThread(store, threadId);
  } catch (err) {
    if (err instanceof ThreadBusyError) {
      throw new CodeActError("conflict", `Thread ${threadId} is running (${err.holder}); nothing was deleted. Stop that run first (Ctrl-C in its terminal, or kill its process), then run \`codeact rm ${threadId}\` again.`);
    }
    throw err;
  }
  try {
    const checkpoints = await countCheckpoints(store, threadId);
    await store.saver.deleteThread(threadId);
    const artifacts = await store.artifacts.deleteThread(threadId);
    await purgeTables(store, threadId);
    // Plots a run saved by default; a run given --out saved them where it was told (not ours to delete).
    const dir = join(codeactHome(), "runs", threadId);
    const plotsDir = existsSync(dir) ? dir : undefined;
    if (plotsDir) rmSync(plotsDir, { recursive: true, force: true });
    return { checkpoints, artifacts, plotsDir };
  } finally {
    await lock.release().catch(() => undefined);
  }
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve) => {
      rl.question(question, resolve);
      rl.once("close", () => resolve(""));
    });
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    rl.close();
  }
}

export function registerRm(program: Command): void {
  program
    .command("rm")
    .argument("<thread>", "thread id")
    .option("--yes", "delete without asking")
    .option("--checkpoints <file>", "SQLite checkpoint file")
    .option("--postgres <url>", "Postgres checkpoint store")
    .option("--json", "machine-readable output")
    .description("delete a thread: its checkpoints, artifacts and saved plots")
    .action(async (thread: string, flags: StoreFlags & { yes?: boolean; json?: boolean }) => {
      checkThreadId(thread);
      if (!flags.yes && !(process.stdin.isTTY && process.stderr.isTTY)) {
        throw new UsageError(`Not deleting thread ${thread}: there is no terminal to confirm it at. Pass --yes to delete it without asking.`);
      }
      const store = await createCheckpointer(checkpointerFromFlags(flags));
      try {
        if (!(await store.saver.getTuple({ configurable: { thread_id: thread } }))) {
          throw new CodeActError("not_found", `No thread "${thread}" in ${store.location}. \`codeact threads\` lists them.`);
        }
        if (!flags.yes && !(await confirm(`Delete thread ${thread} (checkpoints, artifacts, saved plots)? This cannot be undone. [y/N] `))) {
          console.error("Nothing deleted.");
          process.exitCode = 1;
          return;
        }
        const r = await removeThread(store, thread);
        if (flags.json) return console.log(JSON.stringify({ thread, ...r }));
        console.error(
          `Deleted thread ${inert(thread)}: ${r.checkpoints} checkpoints, ${r.artifacts.unlinked} artifact links (${r.artifacts.deleted} artifacts no other thread used)${r.plotsDir ? `, plots in ${r.plotsDir}` : ""}.`,
        );
      } finally {
        await store.close();
      }
    });
}
