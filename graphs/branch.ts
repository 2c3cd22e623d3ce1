/**
 * Branching: a new thread that starts from any checkpoint of another, optionally with a new
 * instruction for the coder or edited code for the pending action. The original thread is not
 * touched; the branch's kernel is rehydrated from its own cells when it is resumed.
 */
import { randomBytes } from "node:crypto";
import { type BaseCheckpointSaver, Command, Overwrite } from "@langchain/langgraph";
import type { CodeActStateValue } from "./state/state";
import { checkThreadId } from "../checkpoints/thread-id";
import { threadGraph } from "./codeact";
import { asNodeFor } from "./routing";
import type { ArtifactStore } from "../checkpoints/artifacts/store";
import { copyThreadSettings, type ThreadSettingsStore } from "../checkpoints/thread-settings";
import { CodeActError } from "../errors";

export interface BranchOptions {
  /** A note for the coder, shown as its next observation. */
  instruction?: string;
  /** Replaces the code of the pending action (when the checkpoint is just before the executor). */
  code?: string;
  newThreadId?: string;
  /** The artifact store of the saver: the branch gets access to the artifacts its cells reference. */
  artifacts?: ArtifactStore;
  /** The settings store of the saver: the branch runs with the source thread's settings. */
  settings?: ThreadSettingsStore;
}

/** Artifacts the cells reference (outputs, tool call records, output files), the answer's files and the run's input files. */
function referencedArtifacts(values: CodeActStateValue): string[] {
  const shas = new Set<string>();
  for (const input of values.inputs ?? []) if (input.base64 === undefined) shas.add(input.sha256);
  for (const cell of values.cells ?? []) {
    for (const o of cell.result.results) for (const ref of Object.values(o.artifacts ?? {})) shas.add(ref.sha256);
    for (const call of cell.result.toolCalls) for (const ref of Object.values(call.artifacts ?? {})) if (ref) shas.add(ref.sha256);
    for (const file of cell.files ?? []) shas.add(file.sha256);
  }
  for (const file of values.answerFiles ?? []) shas.add(file.sha256);
  return [...shas];
}

export async function branchThread(saver: BaseCheckpointSaver, threadId: string, checkpointId: string, options: BranchOptions = {}): Promise<string> {
  checkThreadId(threadId);
  if (options.newThreadId !== undefined) checkThreadId(options.newThreadId);
  const graph = threadGraph(saver);
  let snap = await graph.getState({ configurable: { thread_id: threadId, checkpoint_id: checkpointId } });
  if (snap.config.configurable?.checkpoint_id === checkpointId && snap.next.includes("__start__") && !(snap.values as CodeActStateValue)?.task) {
    // The run's input checkpoint (older versions of `codeact history` listed it as "(start)"):
    // branching there means running again from the beginning, i.e. from the first checkpoint with the task.
    let first: typeof snap | undefined;
    for await (const s of graph.getStateHistory({ configurable: { thread_id: threadId } })) if ((s.values as CodeActStateValue)?.task) first = s;
    if (first) {
      snap = first;
      checkpointId = String(first.config.configurable?.checkpoint_id);
    }
  }
  const values = snap.values as CodeActStateValue;
  if (!values?.task || snap.config.configurable?.checkpoint_id !== checkpointId) {
    throw new CodeActError("not_found", `Thread "${threadId}" has no checkpoint "${checkpointId}".`, { hint: "threadHistory() lists them.", step: "list_checkpoints", subject: threadId });
  }
  if (!snap.next.length) throw new CodeActError("usage", `Checkpoint ${checkpointId} is the end of the run; branch from an earlier one.`);
  const newThreadId = options.newThreadId ?? `${threadId.replace(/-b[0-9a-f]{4}$/, "").slice(0, 122)}-b${randomBytes(2).toString("hex")}`;
  const update: Record<string, unknown> = {
    ...values,
    cells: new Overwrite(values.cells),
    critiques: new Overwrite(values.critiques),
    systemPrompts: new Overwrite(values.systemPrompts ?? []),
    messages: new Overwrite(values.messages ?? []),
    turns: new Overwrite(values.turns ?? []),
    status: "running",
  };
  if (options.instruction) update.observation = `Instruction from the user: ${options.instruction}`;
  if (options.code !== undefined) {
    if (values.pendingAction?.kind !== "code") throw new CodeActError("usage", `Checkpoint ${checkpointId} has no pending code action to edit (next: ${snap.next.join(", ")}).`);
    update.pendingAction = { ...values.pendingAction, code: options.code };
    // The coder's conversation holds the reply with the old code: it learns what runs instead.
    const decision = { role: "user", kind: "decision", content: `The user replaced the code of your last action before it ran; this runs instead:\n\`\`\`python\n${options.code}\n\`\`\`` };
    update.messages = new Overwrite([...(values.messages ?? []), decision]);
  }
  // Written as the node that ran before `next`; the coder, executor and critic route by Command, so
  // their update carries the destination as its goto.
  const asNode = asNodeFor(snap.next, values);
  // Before the branch exists, so it never has a cell whose bytes it cannot read.
  const shared = referencedArtifacts(values);
  if (options.artifacts && shared.length) await options.artifacts.share(threadId, newThreadId, shared);
  if (options.settings) await copyThreadSettings(options.settings, threadId, newThreadId, `branch from ${threadId}@${checkpointId}`);
  const write = asNode === "planner" ? update : new Command({ update, goto: snap.next[0] });
  await graph.updateState({ configurable: { thread_id: newThreadId } }, write, asNode);
  const check = await graph.getState({ configurable: { thread_id: newThreadId } });
  if (check.next.join() !== snap.next.join()) {
    throw new CodeActError("internal", `Branch ${newThreadId} would continue at ${check.next.join(", ") || "the end"} instead of ${snap.next.join(", ")}.`);
  }
  return newThreadId;
}

/** What `branchPoint` needs of each checkpoint (graphs/threads.ts HistoryEntry). */
export interface BranchCandidate {
  checkpointId: string;
  step: number;
  next: string[];
  cells: number;
  summary: string;
}

const STEP = /^\d{1,9}$/;
const CELL = /^(?:cell[:#]?|c)(\d{1,9})$/i;

const listed = (entries: BranchCandidate[]) => entries.map((e) => `  ${e.checkpointId}  step ${e.step}  ${e.summary.slice(0, 70)}`).join("\n");

/**
 * The checkpoint `at` names among a thread's checkpoints (oldest first), as `codeact history` shows
 * them: a step number ("7"), a cell ("cell:3" or "c3": the point just before cell 3 ran, where its
 * code can be replaced), or a checkpoint id or a prefix of one. An id prefix that is all digits is
 * read as a step when such a step exists. An ambiguous prefix is refused with its matches.
 */
export function branchPoint(threadId: string, entries: BranchCandidate[], at: string): string {
  const wanted = at.trim();
  const last = entries.at(-1);
  const range = last ? ` (its steps run from ${entries[0]!.step} to ${last.step}; its cells from cell:1 to cell:${last.cells + 1}, the point after the last one)` : "";
  const notFound = (what: string) => new CodeActError("not_found", `Thread "${threadId}" has no ${what}${range}.`, { hint: "threadHistory() lists them.", step: "list_checkpoints", subject: threadId });
  const cell = CELL.exec(wanted);
  if (cell) {
    const n = Number(cell[1]);
    if (n < 1 || n > (last?.cells ?? 0) + 1) throw notFound(`cell ${n}`);
    const before = entries.filter((e) => e.cells === n - 1 && e.next.length);
    // The latest point where cell n was about to run (its action pending, before the executor);
    // without one (a paper thread), the latest point before it was recorded.
    const point = before.filter((e) => e.next.includes("executor")).at(-1) ?? before.at(-1);
    if (!point) throw notFound(`checkpoint before cell ${n} that can be continued`);
    return point.checkpointId;
  }
  if (STEP.test(wanted)) {
    const step = entries.filter((e) => e.step === Number(wanted)).at(-1);
    if (step) return step.checkpointId;
  }
  const matches = wanted ? entries.filter((e) => e.checkpointId.toLowerCase().startsWith(wanted.toLowerCase())) : [];
  if (matches.length === 1) return matches[0]!.checkpointId;
  if (matches.length > 1) {
    const more = matches.length > 10 ? `\n  … and ${matches.length - 10} more` : "";
    throw new CodeActError("usage", `"${wanted}" starts ${matches.length} checkpoint ids of thread "${threadId}":\n${listed(matches.slice(0, 10))}${more}`, {
      hint: "Give more of the id, or a step number.",
      separator: "\n",
    });
  }
  // A full id that the history does not list (the run's input checkpoint) is branchThread's to resolve.
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(wanted)) return wanted;
  throw notFound(STEP.test(wanted) ? `step ${wanted} and no checkpoint id starting "${wanted}"` : `checkpoint "${wanted}"`);
}
