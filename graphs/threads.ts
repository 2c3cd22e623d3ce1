/** Reading a thread's state without running anything: for export, history and status commands. */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { CheckpointTuple } from "@langchain/langgraph-checkpoint";
import { threadGraph } from "./codeact";
import { paperThreadGraph } from "./paper";
import { isPaperCheckpoint, paperAsState } from "./paper-thread";
import type { PaperStateValue } from "./paper";
import { ThreadReader } from "./thread-reader";
import type { Cell } from "./state/cell";
import type { Message } from "./state/message";
import type { CodeActStateValue } from "./state/state";
import type { RunFacts } from "../checkpoints/lock";
import { runFactsOf } from "../checkpoints/run-facts";
import type { Checkpointer } from "../checkpoints/savers";
import { summarise } from "../checkpoints/sqlite-file";
import { checkThreadId } from "../checkpoints/thread-id";
import { type ThreadSummary, waitingOf } from "../checkpoints/thread-status";
import { CodeActError } from "../errors";

const LIST_THREADS = { hint: "listThreads() lists the runs.", step: "list_threads" } as const;

/**
 * Versions before the checkpoint write guard could store a cell as the literal string
 * "[unable to serialize, …]" (85 large images in one cell). Such an entry is shown as a failed cell
 * that says so, so history, export and resume still work on the rest of the thread.
 */
function readableCells(cells: unknown[] | undefined): Cell[] {
  return (cells ?? []).map((c, i) => {
    const cell = c as Cell;
    if (cell && typeof cell === "object" && cell.result && typeof cell.result === "object") return cell;
    const what = typeof c === "string" ? c.slice(0, 120) : typeof c;
    return {
      id: `unreadable-${i}`,
      step: 0,
      attempt: 0,
      code: `# This cell was stored unreadable by an older codeact version: ${what}`,
      result: { status: "error", stdout: "", stderr: "", results: [], toolCalls: [], durationMs: 0, truncated: false, error: { ename: "UnreadableCell", evalue: `stored as ${what}`, traceback: [] } },
      startedAt: "",
    };
  });
}

/**
 * The thread's checkpoints listed once (see graphs/thread-reader.ts), to read its state, its
 * history or both: pass the reader as the saver to each and the thread is read one time.
 */
export async function openThread(saver: BaseCheckpointSaver, threadId: string): Promise<ThreadReader> {
  checkThreadId(threadId);
  return ThreadReader.open(saver, threadId, (latest) => graphFor(saver, latest).channels);
}

/** The graph whose channels wrote the thread: the paper agent's, or the CodeAct graph's. */
function graphFor(saver: BaseCheckpointSaver, latest: CheckpointTuple | undefined) {
  return isPaperCheckpoint(latest) ? paperThreadGraph(saver) : threadGraph(saver);
}

/** A thread's values as the full graph's state (a paper thread's converted: graphs/paper-thread.ts). */
const stateOf = (reader: ThreadReader, values: unknown) => (isPaperCheckpoint(reader.latest) ? paperAsState(values as PaperStateValue) : (values as CodeActStateValue));

export async function readThreadState(saver: BaseCheckpointSaver, threadId: string): Promise<CodeActStateValue> {
  const reader = await openThread(saver, threadId);
  const snapshot = await graphFor(reader, reader.latest).getState({ configurable: { thread_id: threadId } });
  const values = snapshot.values && (snapshot.values as { task?: string }).task ? stateOf(reader, snapshot.values) : undefined;
  if (!values || !values.task) throw new CodeActError("not_found", `No run with thread id "${threadId}" in this checkpoint store.`, LIST_THREADS);
  return { ...values, cells: readableCells(values.cells) };
}

/** The paper agent's own state when the thread is one (its conversation as the model saw it), else undefined. */
export async function readPaperState(saver: BaseCheckpointSaver, threadId: string): Promise<PaperStateValue | undefined> {
  const reader = await openThread(saver, threadId);
  if (!isPaperCheckpoint(reader.latest)) return undefined;
  return (await paperThreadGraph(reader).getState({ configurable: { thread_id: threadId } })).values as PaperStateValue;
}

export type { ThreadSummary };

const NO_FACTS: RunFacts = { holders: new Map(), records: new Map() };

/**
 * Every thread in the store, newest first, with its honest status (checkpoints/thread-status.ts).
 * `facts` (lock holders, run records) come from the store's database: see runFactsOf.
 */
export async function listThreads(saver: BaseCheckpointSaver, factsOf: RunFacts | ((threadIds: string[]) => Promise<RunFacts>) = NO_FACTS): Promise<ThreadSummary[]> {
  const latest = new Map<string, { values: Record<string, unknown>; steps: number; updated: string; source?: string }>();
  for await (const t of saver.list({ configurable: {} })) {
    const id = t.config.configurable?.thread_id as string | undefined;
    if (!id || latest.has(id) || t.config.configurable?.checkpoint_ns) continue;
    latest.set(id, { values: t.checkpoint.channel_values as Record<string, unknown>, steps: Number(t.metadata?.step ?? 0), updated: t.checkpoint.ts, source: t.metadata?.source });
  }
  const facts = typeof factsOf === "function" ? await factsOf([...latest.keys()]) : factsOf;
  const graph = threadGraph(saver);
  const threads: ThreadSummary[] = [];
  for (const [id, l] of latest) {
    // The state (delta channels rebuilt) for the cell count, and the interrupt a task waits on.
    const snap = await graph.getState({ configurable: { thread_id: id } });
    const interrupts = snap.tasks.flatMap((t) => t.interrupts);
    const cells = (snap.values as { cells?: unknown[] }).cells;
    threads.push(summarise(id, l.values, { cells: cells?.length ?? 0, steps: l.steps, updated: l.updated, source: l.source, waiting: interrupts.length ? waitingOf(interrupts) : undefined, holder: facts.holders.get(id), record: facts.records.get(id) }));
  }
  return threads.sort((a, b) => b.updated.localeCompare(a.updated));
}

/** Every thread id in the store (one pass over the checkpoint index; no state read). */
export async function threadIds(saver: BaseCheckpointSaver): Promise<string[]> {
  const ids = new Set<string>();
  for await (const t of saver.list({ configurable: {} })) {
    const id = t.config.configurable?.thread_id as string | undefined;
    if (id) ids.add(id);
  }
  return [...ids];
}

/** listThreads with the store's lock holders and run records: the listing for Postgres and memory stores. */
export async function listStoreThreads(store: Checkpointer): Promise<ThreadSummary[]> {
  return listThreads(store.saver, (ids) => (ids.length ? runFactsOf(store, ids) : Promise.resolve(NO_FACTS)));
}

export interface HistoryEntry {
  checkpointId: string;
  step: number;
  source: string;
  next: string[];
  createdAt: string;
  /** Cells recorded at this checkpoint: `branch --at cell:N` finds the point before cell N ran by it. */
  cells: number;
  summary: string;
}

/**
 * Summaries in a conversation, each entry counted once across a thread's snapshots: a snapshot's
 * conversation is a prefix of the next one's, sharing its entries, so counting each anew would
 * cost the thread's length squared.
 */
function compactionCounter(): (messages: Message[] | undefined) => number {
  const upTo = new WeakMap<Message, number>(); // an entry → the summaries up to it, itself included
  return (messages = []) => {
    let i = messages.length - 1;
    while (i >= 0 && !upTo.has(messages[i]!)) i--;
    let n = i >= 0 ? upTo.get(messages[i]!)! : 0;
    for (let j = i + 1; j < messages.length; j++) {
      if (messages[j]!.kind === "summary") n++;
      upTo.set(messages[j]!, n);
    }
    return n;
  };
}

/** A thread's checkpoints, oldest first, each with what had just happened. */
export async function threadHistory(saver: BaseCheckpointSaver, threadId: string): Promise<HistoryEntry[]> {
  const entries: HistoryEntry[] = [];
  const reader = await openThread(saver, threadId);
  const compactions = compactionCounter();
  for await (const snap of graphFor(reader, reader.latest).getStateHistory({ configurable: { thread_id: threadId } })) {
    const v = stateOf(reader, snap.values);
    // The input checkpoint holds only the pending task (no state yet); the next one, with the task and
    // the planner next, is where "from the beginning" starts. Listing both would offer one point twice.
    if (!v.task && snap.next.includes("__start__")) continue;
    const last = readableCells(v.cells?.slice(-1)).at(-1);
    const summary = [
      v.turn ? `turn ${v.turn + 1}` : "",
      v.plan?.length ? `plan ${v.plan.length} steps, at ${Math.min(v.currentStep + 1, v.plan.length)}` : "",
      last?.files?.length ? `files ${last.files.map((f) => f.path.replace(/^outputs\//, "")).join(", ")}` : "",
      last ? `${v.cells.length} cells, last ${last.result.status}: ${last.code.split("\n")[0]!.slice(0, 50)}` : "",
      v.pendingAction ? `pending ${v.pendingAction.kind}` : "",
      compactions(v.messages) ? `context compacted ${compactions(v.messages)}×` : "",
      v.status && v.status !== "running" ? `status ${v.status}` : "",
    ]
      .filter(Boolean)
      .join("; ");
    entries.push({
      checkpointId: String(snap.config.configurable?.checkpoint_id),
      step: Number(snap.metadata?.step ?? -1),
      source: String(snap.metadata?.source ?? ""),
      next: [...snap.next],
      createdAt: snap.createdAt ?? "",
      cells: v.cells?.length ?? 0,
      summary: summary || `task: ${v.task.slice(0, 60)}`,
    });
  }
  if (!entries.length) throw new CodeActError("not_found", `No checkpoints for thread "${threadId}".`, LIST_THREADS);
  return entries.reverse();
}
