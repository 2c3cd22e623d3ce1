/** `codeact threads`, `codeact history <thread>`, `codeact settings <thread>` (branch: cli/branch.ts). */
// LangGraph and the savers are loaded inside the actions (require), not here: `codeact threads`
// on a SQLite store reads the file directly and starts in a fraction of the time.
import type { Command } from "commander";
import type { Checkpointer } from "../checkpoints/savers";
import type { ThreadSummary } from "../checkpoints/thread-status";
import { inert, inertJson } from "../exports/inert";
import { table } from "./table";
import { selectThreads, threadTree } from "./thread-tree";
import { checkpointerFromFlags, type StoreFlags as StoreChoice } from "./store-flags";

type StoreFlags = StoreChoice & { json?: boolean };
type ListFlags = StoreFlags & { all?: boolean; eval?: string; tree?: boolean };

/** Thread ids are checked before any store query (loaded here: `codeact threads` needs no zod). */
function checkThreadId(id: string): string {
  return (require("../checkpoints/thread-id") as typeof import("../checkpoints/thread-id")).checkThreadId(id);
}

async function withStore<T>(flags: StoreFlags, fn: (store: Checkpointer) => Promise<T>, readOnly = false): Promise<T> {
  const { createCheckpointer } = require("../checkpoints/savers") as typeof import("../checkpoints/savers");
  const store = await createCheckpointer({ ...checkpointerFromFlags(flags), readOnly });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** A SQLite store is read directly (no LangGraph); other stores, or rows only the saver reads, through the saver. */
async function listAllThreads(flags: StoreFlags): Promise<ThreadSummary[]> {
  const config = checkpointerFromFlags(flags);
  if (config.kind === "sqlite") {
    const { defaultSqlitePath, listSqliteThreads } = require("../checkpoints/sqlite-file") as typeof import("../checkpoints/sqlite-file");
    const direct = listSqliteThreads(config.path ?? defaultSqlitePath());
    if (direct) return direct;
  }
  const { listStoreThreads } = require("../graphs/threads") as typeof import("../graphs/threads");
  return withStore(flags, (s) => listStoreThreads(s), true);
}

/** Status with its reason, and what waits (the question, or the first line of the action to approve). */
function note(t: ThreadSummary): string {
  if (t.waiting) return `${t.waiting.kind === "ask_user" ? "asks" : "approve"}: ${t.waiting.text}`;
  return t.status === "done" ? "" : t.detail;
}

const storeOptions = (cmd: Command) =>
  cmd.option("--checkpoints <file>", "SQLite checkpoint file").option("--postgres <url>", "Postgres checkpoint store").option("--json", "machine-readable output");

export function registerThreads(program: Command): void {
  storeOptions(program.command("threads").description("list threads: status, turns, cells, last activity, what waits"))
    .option("--all", "eval threads too (hidden by default)")
    .option("--eval <id>", "only the threads of this eval (eval-… as `codeact eval` names it)")
    .option("--tree", "show sub-agent threads under their parent (folded into a count by default)")
    .action(async (flags: ListFlags) => {
      const { shown, hiddenEvals } = selectThreads(await listAllThreads(flags), flags);
      const rows = threadTree(shown, Boolean(flags.tree));
      if (flags.json) {
        // Flat, every selected thread, each child naming its parent.
        const parents = new Map(threadTree(shown, true).map((r) => [r.thread.threadId, r.parent]));
        return console.log(inertJson(JSON.stringify(shown.map((t) => (parents.get(t.threadId) ? { ...t, parent: parents.get(t.threadId) } : t)))));
      }
      if (!shown.length) console.log(flags.eval !== undefined ? `No threads of eval "${inert(flags.eval)}".` : "No runs yet.");
      else
        console.log(
          table(
            rows.map(({ thread: t, depth, folded }) => ({
              thread: `${"  ".repeat(depth)}${depth ? "└ " : ""}${inert(t.threadId)}${folded ? ` (+${folded} sub-agent${folded === 1 ? "" : "s"})` : ""}`,
              task: inert(t.task.split("\n")[0]!.slice(0, 40)),
              status: t.status,
              turns: t.turns,
              cells: t.cells,
              "last activity": t.updated.replace("T", " ").slice(0, 19),
              note: inert(note(t).slice(0, 70)),
            })),
          ),
        );
      const folded = rows.some((r) => r.folded);
      const notes = [hiddenEvals ? `${hiddenEvals} eval thread${hiddenEvals === 1 ? "" : "s"} hidden: --all shows them, --eval ID one eval's` : "", folded ? "sub-agent threads folded: --tree shows them" : ""].filter(Boolean);
      if (notes.length) console.error(`(${notes.join("; ")})`);
    });

  storeOptions(program.command("history").argument("<thread>", "thread id").description("a run's checkpoints: id, node, step, summary")).action(async (thread: string, flags: StoreFlags) => {
    checkThreadId(thread);
    const { threadHistory } = require("../graphs/threads") as typeof import("../graphs/threads");
    if (flags.json) return console.log(JSON.stringify(await withStore(flags, (s) => threadHistory(s.saver, thread), true)));
    const { historyText } = require("./turns-text") as typeof import("./turns-text");
    console.log(await withStore(flags, (s) => historyText(s.saver, thread), true));
  });

  storeOptions(program.command("settings").argument("<thread>", "thread id").description("the settings a thread runs with, and every change to them")).action(async (thread: string, flags: StoreFlags) => {
    checkThreadId(thread);
    const records = await withStore(flags, (s) => s.settings.history(thread), true);
    if (flags.json) return console.log(JSON.stringify(records));
    if (!records.length) return console.log(`No settings recorded for thread "${inert(thread)}" (it ran before codeact recorded them, or does not exist).`);
    const { settingsChanges } = require("../checkpoints/thread-settings") as typeof import("../checkpoints/thread-settings");
    for (const r of settingsChanges(records)) {
      console.log(`${r.at}  ${inert(r.reason)}`);
      for (const [key, was, now] of r.changes) console.log(`  ${key}: ${was === undefined ? "" : `${inert(was)} → `}${inert(now)}`);
    }
  });
}
