/**
 * `codeact rm <thread…> [--eval ID] [--status S] [--yes]`: deletes threads for good, each with its
 * sub-agent threads (`<thread>.<cell>.<index>`): its checkpoints and channel writes, its
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
import { PER_THREAD_TABLES, THREAD_STATUSES } from "../checkpoints/thread-status";
import { descendantsOf, evalIdOf } from "./thread-tree";
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

interface RmFlags extends StoreFlags {
  yes?: boolean;
  json?: boolean;
  eval?: string;
  status?: string;
}

/**
 * The threads to delete, each named thread's sub-agent threads included and deleted before it (a
 * parent is never gone while a child remains). Named threads must all exist;
 * a filter selects among the store's threads (both: the named threads that pass it).
 */
async function chosenThreads(store: Checkpointer, named: string[], flags: RmFlags): Promise<string[]> {
  const { listStoreThreads, threadIds } = require("../graphs/threads") as typeof import("../graphs/threads");
  const filtered = flags.eval !== undefined || flags.status !== undefined;
  const summaries = flags.status !== undefined ? await listStoreThreads(store) : undefined;
  // Sorted: the order things are asked about and deleted in does not depend on the store.
  const all = (summaries ? summaries.map((t) => t.threadId) : await threadIds(store.saver)).sort();
  const present = new Set(all);
  const missing = named.filter((t) => !present.has(t));
  if (missing.length) {
    const which = missing.length === 1 ? `No thread "${missing[0]}"` : `No threads ${missing.map((t) => `"${t}"`).join(", ")}`;
    throw new CodeActError("not_found", `${which} in ${store.location}; nothing was deleted. \`codeact threads\` lists them.`);
  }
  let picked = named.length ? [...named].sort() : all;
  if (flags.eval !== undefined) picked = picked.filter((t) => evalIdOf(t) === flags.eval || t.startsWith(`${flags.eval}.`));
  if (flags.status !== undefined) {
    const status = new Map(summaries!.map((t) => [t.threadId, t.status]));
    picked = picked.filter((t) => status.get(t) === flags.status);
  }
  if (!filtered && !picked.length) throw new UsageError("Name the threads to delete, or choose them with --eval ID or --status STATUS.");
  const out: string[] = [];
  for (const t of picked) for (const id of [...descendantsOf(t, all).reverse(), t]) if (!out.includes(id)) out.push(id);
  return out;
}

const named = (ids: string[]) => (ids.length <= 6 ? ids.join(", ") : `${ids.slice(0, 5).join(", ")} and ${ids.length - 5} more`);

export function registerRm(program: Command): void {
  program
    .command("rm")
    .argument("[threads...]", "thread ids (each with its sub-agent threads)")
    .option("--eval <id>", "every thread of this eval (eval-… as `codeact threads --all` shows)")
    .option("--status <status>", `only threads with this status (${THREAD_STATUSES.join(", ")})`, (v: string) => {
      if (!(THREAD_STATUSES as readonly string[]).includes(v)) throw new UsageError(`--status ${inert(v)}: choose one of ${THREAD_STATUSES.join(", ")}.`);
      return v;
    })
    .option("--yes", "delete without asking")
    .option("--checkpoints <file>", "SQLite checkpoint file")
    .option("--postgres <url>", "Postgres checkpoint store")
    .option("--json", "machine-readable output")
    .description("delete threads (named, or chosen by --eval / --status): checkpoints, artifacts, saved plots, sub-agent threads")
    .action(async (threads: string[], flags: RmFlags) => {
      for (const t of threads) checkThreadId(t);
      if (flags.eval !== undefined) checkThreadId(flags.eval);
      if (!threads.length && flags.eval === undefined && flags.status === undefined) throw new UsageError("Name the threads to delete, or choose them with --eval ID or --status STATUS.");
      const what = threads.length === 1 && flags.eval === undefined && flags.status === undefined ? `thread ${threads[0]}` : "these threads";
      if (!flags.yes && !(process.stdin.isTTY && process.stderr.isTTY)) {
        throw new UsageError(`Not deleting ${what}: there is no terminal to confirm it at. Pass --yes to delete without asking.`);
      }
      const store = await createCheckpointer(checkpointerFromFlags(flags));
      try {
        const ids = await chosenThreads(store, threads, flags);
        if (!ids.length) return console.error("No thread matches; nothing deleted.");
        const question =
          ids.length === 1 ? `Delete thread ${inert(ids[0]!)} (checkpoints, artifacts, saved plots)?` : `Delete ${ids.length} threads (${inert(named(ids))}) with their checkpoints, artifacts and saved plots?`;
        if (!flags.yes && !(await confirm(`${question} This cannot be undone. [y/N] `))) {
          console.error("Nothing deleted.");
          process.exitCode = 1;
          return;
        }
        // Each thread on its own: one that a live process runs is refused, the others still go.
        let refused: unknown;
        for (const thread of ids) {
          let r: RemoveResult;
          try {
            r = await removeThread(store, thread);
          } catch (err) {
            if (!(err instanceof CodeActError && err.code === "conflict")) throw err;
            refused ??= err;
            if (ids.length > 1) console.error(`codeact: ${inert(err.message)}`);
            continue;
          }
          if (flags.json) console.log(JSON.stringify({ thread, ...r }));
          else
            console.error(
              `Deleted thread ${inert(thread)}: ${r.checkpoints} checkpoints, ${r.artifacts.unlinked} artifact links (${r.artifacts.deleted} artifacts no other thread used)${r.plotsDir ? `, plots in ${r.plotsDir}` : ""}.`,
            );
        }
        if (refused) {
          if (ids.length === 1) throw refused;
          process.exitCode = (require("./exit-codes") as typeof import("./exit-codes")).exitCodeFor("conflict");
        }
      } finally {
        await store.close();
      }
    });
}
