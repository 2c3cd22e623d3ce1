/** Reading a thread's state without running anything: for export, history and status commands. */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createCodeActGraph } from "../graphs/codeact";
import type { Cell } from "../graphs/cell";
import { compactionsOf } from "../graphs/message";
import type { CodeActStateValue } from "../graphs/state";
import type { CodeExecutor } from "../executors/types";
import { ScriptedChatModel } from "../nodes/scripted-model";
import { checkThreadId } from "./thread-id";

/**
 * Stands in for a kernel in graphs that only read checkpoints. Not a real executor, so reading
 * (`codeact history`, export) loads no Docker or ZeroMQ client.
 */
const noKernel = async (): Promise<never> => {
  throw new Error("this graph only reads checkpoints; it runs no code");
};
const INERT_EXECUTOR: CodeExecutor = {
  id: "inert",
  info: { kind: "local", sandboxed: false, description: "no kernel (checkpoint reader)" },
  start: noKernel,
  execute: noKernel,
  interrupt: noKernel,
  restart: noKernel,
  shutdown: async () => undefined,
};

/** A graph bound to the saver whose nodes are never run: models and kernel are inert placeholders. */
export function readerGraph(saver: BaseCheckpointSaver) {
  const inert = new ScriptedChatModel({ script: [] });
  return createCodeActGraph({ models: { planner: inert, coder: inert, critic: inert }, executor: INERT_EXECUTOR, checkpointer: saver });
}

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

export async function readThreadState(saver: BaseCheckpointSaver, threadId: string): Promise<CodeActStateValue> {
  checkThreadId(threadId);
  const snapshot = await readerGraph(saver).getState({ configurable: { thread_id: threadId } });
  const values = snapshot.values as CodeActStateValue;
  if (!values || !values.task) throw new Error(`No run with thread id "${threadId}" in this checkpoint store. \`codeact threads\` lists the runs.`);
  return { ...values, cells: readableCells(values.cells) };
}

export interface ThreadSummary {
  threadId: string;
  task: string;
  status: string;
  steps: number;
  updated: string;
}

/** Every thread in the store, newest first (one pass over the checkpoint index). */
export async function listThreads(saver: BaseCheckpointSaver): Promise<ThreadSummary[]> {
  const seen = new Map<string, ThreadSummary>();
  for await (const t of saver.list({ configurable: {} })) {
    const id = t.config.configurable?.thread_id as string | undefined;
    if (!id || seen.has(id)) continue;
    const v = t.checkpoint.channel_values as Record<string, unknown>;
    seen.set(id, {
      threadId: id,
      task: String(v.task ?? ""),
      status: String(v.status ?? (v.task ? "running" : "empty")),
      steps: Number(t.metadata?.step ?? 0),
      updated: t.checkpoint.ts,
    });
  }
  return [...seen.values()].sort((a, b) => b.updated.localeCompare(a.updated));
}

export interface HistoryEntry {
  checkpointId: string;
  step: number;
  source: string;
  next: string[];
  createdAt: string;
  summary: string;
}

/** A thread's checkpoints, oldest first, each with what had just happened. */
export async function threadHistory(saver: BaseCheckpointSaver, threadId: string): Promise<HistoryEntry[]> {
  checkThreadId(threadId);
  const entries: HistoryEntry[] = [];
  for await (const snap of readerGraph(saver).getStateHistory({ configurable: { thread_id: threadId } })) {
    const v = snap.values as CodeActStateValue;
    // The input checkpoint holds only the pending task (no state yet); the next one, with the task and
    // the planner next, is where "from the beginning" starts. Listing both would offer one point twice.
    if (!v.task && snap.next.includes("__start__")) continue;
    const last = readableCells(v.cells?.slice(-1)).at(-1);
    const summary = [
      v.turn ? `turn ${v.turn + 1}` : "",
      v.plan?.length ? `plan ${v.plan.length} steps, at ${Math.min(v.currentStep + 1, v.plan.length)}` : "",
      last ? `${v.cells.length} cells, last ${last.result.status}: ${last.code.split("\n")[0]!.slice(0, 50)}` : "",
      v.pendingAction ? `pending ${v.pendingAction.kind}` : "",
      compactionsOf(v.messages).length ? `context compacted ${compactionsOf(v.messages).length}×` : "",
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
      summary: summary || `task: ${v.task.slice(0, 60)}`,
    });
  }
  if (!entries.length) throw new Error(`No checkpoints for thread "${threadId}". \`codeact threads\` lists the runs.`);
  return entries.reverse();
}
