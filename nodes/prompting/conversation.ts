/**
 * The coder's conversation, the one home of its memory: which entries a step adds (pure functions
 * of the state), which entries a request shows after compactions, and how they become chat messages.
 *
 * Requests are append-only: each coder request is the previous one plus new messages, so every
 * earlier message is a prefix a provider can cache. Nothing already stored is rewritten; plan
 * changes, reviewer feedback and a person's decisions arrive as new entries.
 */
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { Cell } from "../../graphs/state/cell";
import type { Limits } from "../../graphs/state/limits";
import type { Message } from "../../graphs/state/message";
import type { CodeActStateValue, Turn } from "../../graphs/state/state";
import { planText } from "../context";
import { digest } from "./digest";
import { figureNotes, imageParts } from "./figures";
import { formatObservation } from "./observation";
import { taskWithInputs } from "../workspace/inputs";

/** The focus line for the current step: what the coder works on next. */
export function focusText(state: Pick<CodeActStateValue, "plan" | "currentStep">): string {
  const step = state.plan[state.currentStep];
  if (!step) return "All steps are done. Give the final answer to the task now in <solution>…</solution>.";
  return `Current step ${state.currentStep + 1}: ${step.description}${step.doneCriterion ? `\nDone when: ${step.doneCriterion}` : ""}`;
}

function findLast(messages: Message[], test: (m: Message) => boolean): Message | undefined {
  for (let i = messages.length - 1; i >= 0; i--) if (test(messages[i]!)) return messages[i];
  return undefined;
}

/**
 * The observation entry of one executed cell: a reference only. Its text is rendered from the cell
 * when a request is built, so the cell's output is not stored a second time in every checkpoint.
 */
export function observationMessage(cell: Cell): Message {
  return { role: "user", kind: "observation", ref: cell.id, content: "" };
}

/**
 * Rendered observations by cell. Every request shows every observation again (the coder's, the
 * critic's, the compaction check's), while a recorded cell never changes: each is rendered once
 * for a given output budget.
 */
const rendered = new WeakMap<Cell, { chars: number; text: string }>();

/** What the coder reads of a cell: status, output (cut to the budget), figures, and any edit by a person. */
export function observationText(cell: Cell, limits: Pick<Limits, "observationChars">): string {
  const known = rendered.get(cell);
  if (known?.chars === limits.observationChars) return known.text;
  const text = renderObservation(cell, limits);
  rendered.set(cell, { chars: limits.observationChars, text });
  return text;
}

function renderObservation(cell: Cell, limits: Pick<Limits, "observationChars">): string {
  const head = `Observation (${cell.result.status}${cell.attempt ? `, retry ${cell.attempt}` : ""}):`;
  const edited = cell.edited ? `A person edited your code before it ran; this is what ran:\n\`\`\`python\n${cell.code}\n\`\`\`\n` : "";
  const figures = figureNotes(cell.result);
  // Notes the executor left on the cell (replay divergence, an at-least-once rerun) are for the agent too.
  const notes = [figures, ...(cell.notes ?? []).map((n) => `Note: ${n}`)].filter(Boolean).join("\n");
  return `${edited}${head}\n${formatObservation(cell.result, limits.observationChars)}${notes ? `\n${notes}` : ""}`;
}

/** Renders entries for a request: observations from their cells, everything else as stored. */
export interface Rendering {
  cells: Cell[];
  /** With `contextTokens`, no entry alone shows more than half of that budget (see `messageCap`). */
  limits: Pick<Limits, "observationChars"> & Partial<Pick<Limits, "contextTokens">>;
}

/**
 * Characters one entry may show: half the conversation's budget (about 4 a token). A bigger entry
 * (a 120 KB follow-up, a pasted file) would fill every request, and no compaction could shrink
 * it: the stored entry stays whole, the requests show its start and end.
 */
export function messageCap(limits: Rendering["limits"]): number {
  return limits.contextTokens ? limits.contextTokens * 2 : Infinity;
}

/** `text` within `max` characters: its start and end, and a note in the middle saying how much was cut. */
export function cutMiddle(text: string, max: number): string {
  if (text.length <= max) return text;
  const keep = Math.max(0, max - 160);
  const head = Math.ceil((keep * 2) / 3);
  const tail = keep - head;
  const cut = text.length - head - tail;
  const note = `\n[… ${cut.toLocaleString("en")} of ${text.length.toLocaleString("en")} characters cut from the middle here, to fit the conversation; its start and end are shown …]\n`;
  return `${text.slice(0, head)}${note}${tail ? text.slice(-tail) : ""}`;
}

/**
 * The latest index of cells by id. Each step's cells are a new array holding the last step's cells
 * and one more, and every request (coder, critic, compaction check) looks cells up: the index is
 * extended by the new cells instead of being built again, so a long thread's step costs O(new cells).
 */
let lastIndex: { cells: Cell[]; byId: Map<string, Cell> } | undefined;

function indexCells(cells: Cell[]): Map<string, Cell> {
  const known = lastIndex;
  if (known?.cells === cells) return known.byId;
  // The same history grown: every known cell still in place (a pointer check, far cheaper than a
  // new Map; a view with some cells swapped, such as figures resolved from the artifact store, fails it).
  if (known && cells.length >= known.cells.length && known.cells.every((c, i) => cells[i] === c)) {
    for (let i = known.cells.length; i < cells.length; i++) known.byId.set(cells[i]!.id, cells[i]!);
    lastIndex = { cells, byId: known.byId };
    return known.byId;
  }
  const byId = new Map(cells.map((c) => [c.id, c]));
  lastIndex = { cells, byId };
  return byId;
}

/** Rendered entry texts: an entry's text changes only with the cell it shows, the output budget or the cap. */
const texts = new WeakMap<Message, { cell: Cell | undefined; chars: number; cap: number; text: string }>();

function textOf(m: Message, byId: Map<string, Cell>, limits: Rendering["limits"]): string {
  const cell = m.kind === "observation" && !m.content && m.ref ? byId.get(m.ref) : undefined;
  const cap = messageCap(limits);
  const known = texts.get(m);
  if (known && known.cell === cell && known.chars === limits.observationChars && known.cap === cap) return known.text;
  const text = renderText(m, cell, limits);
  texts.set(m, { cell, chars: limits.observationChars, cap, text });
  return text;
}

function renderText(m: Message, cell: Cell | undefined, limits: Rendering["limits"]): string {
  if (m.kind !== "observation" || m.content || !m.ref) return cutMiddle(m.content, messageCap(limits));
  return cell ? observationText(cell, limits) : "Observation: (the output of this action is no longer available)";
}

/** The kind of a note the nodes leave in `observation` (set only by our own code, never free text up front). */
function noteKind(note: string): Message["kind"] {
  if (/^A person /.test(note)) return "decision";
  if (/^Instruction from the user/.test(note)) return "user";
  if (/^The plan was revised/.test(note)) return "plan";
  return "feedback";
}

/**
 * The entries the state implies but the conversation does not hold yet, in conversation order:
 * the task (first turn), observations of cells run since the last one, the pending note, and the
 * plan or the current step when they changed. A node that appends them also clears `observation`.
 */
export function pendingMessages(state: CodeActStateValue): Message[] {
  const stored = state.messages;
  const out: Message[] = [];
  if (!stored.length) {
    // A thread begun by a version that kept no conversation: its earlier cells are told as a digest.
    const earlier = state.cells.length ? `\n\nEarlier work on this task (before this conversation was kept):\n${digest(state.cells)}` : "";
    out.push({ role: "user", kind: "task", content: `Task: ${taskWithInputs(state)}${earlier}` });
  }
  const lastObserved = findLast(stored, (m) => m.kind === "observation")?.ref;
  // A thread that has no conversation yet (older version) starts it from here, not with old cells.
  let from = stored.length ? 0 : state.cells.length;
  if (lastObserved) {
    // From the end: the last observed cell is almost always one of the latest (cell ids are unique).
    let at = state.cells.length - 1;
    while (at >= 0 && state.cells[at]!.id !== lastObserved) at--;
    from = at < 0 ? state.cells.length : at + 1;
  }
  for (const cell of state.cells.slice(from)) out.push(observationMessage(cell));
  if (state.observation) out.push({ role: "user", kind: noteKind(state.observation), content: state.observation });
  if (state.plan.length) {
    const lastPlan = findLast(stored, (m) => m.kind === "plan" && (m.ref ?? "").startsWith("plan:"))?.ref;
    const [, replans, step, turn = "0"] = (lastPlan ?? "").split(":");
    // A later turn's plans carry the turn, so its first plan is never taken for the last turn's.
    const thisTurn = state.turn ?? 0;
    const ref = `plan:${state.replans}:${state.currentStep}${thisTurn ? `:${thisTurn}` : ""}`;
    if (lastPlan !== ref) {
      const full = replans !== String(state.replans) || step === undefined || turn !== String(thisTurn);
      const content = full ? `Plan:\n${planText(state.plan, state.currentStep)}\n\n${focusText(state)}` : focusText(state);
      out.push({ role: "user", kind: "plan", ref, content });
    }
  }
  return out;
}

/** Position of the latest summary in `messages`, or -1. */
function lastSummaryIndex(messages: Message[]): number {
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]!.kind === "summary") return i;
  return -1;
}

/** What a request shows: after the latest compaction, its summary and then the entries it kept and those added since. */
export function activeMessages(messages: Message[]): Message[] {
  const at = lastSummaryIndex(messages);
  if (at < 0) return messages;
  const summary = messages[at]!;
  const kept = messages.slice(summary.replaces ?? 0, at).filter((m) => m.kind !== "summary");
  return [summary, ...kept, ...messages.slice(at + 1)];
}

/** Characters of a request: what the compaction budget is measured in (about 4 a token). */
export function requestChars(system: string, view: Message[], r: Rendering): number {
  const byId = indexCells(r.cells);
  return view.reduce((n, m) => n + textOf(m, byId, r.limits).length, system.length);
}

/**
 * Where a compaction cuts: the position of the `keepReplies`-th reply from the end, so the last
 * turns stay verbatim. Undefined when nothing older than them is left to replace.
 */
export function compactionCut(messages: Message[], keepReplies: number): number | undefined {
  const floor = lastSummaryIndex(messages) + 1;
  const shown = activeMessages(messages).length;
  let seen = 0;
  for (let i = messages.length - 1; i >= floor; i--) {
    // Worth it only when more than a lone earlier summary would be replaced.
    if (messages[i]!.kind === "reply" && ++seen === keepReplies) return shown - (messages.length - i) > 1 ? i : undefined;
  }
  return undefined;
}

export interface ChatOptions extends Rendering {
  /** Observations carry their figures as image parts. */
  vision: boolean;
}

/**
 * Chat messages by entry, for entries shown as text: every request repeats the whole conversation,
 * and an entry's message changes only with the cell it shows or the output budget.
 */
const chatMessages = new WeakMap<Message, { cell: Cell | undefined; chars: number; cap: number; message: BaseMessage }>();

function chatMessage(m: Message, byId: Map<string, Cell>, options: ChatOptions): BaseMessage {
  const cell = m.kind === "observation" && m.ref ? byId.get(m.ref) : undefined;
  const images = options.vision && cell ? imageParts(cell.result) : [];
  if (images.length) return new HumanMessage({ content: [{ type: "text", text: textOf(m, byId, options.limits) }, ...images] });
  const known = chatMessages.get(m);
  const cap = messageCap(options.limits);
  if (known && known.cell === cell && known.chars === options.limits.observationChars && known.cap === cap) return known.message;
  const text = textOf(m, byId, options.limits);
  const message = m.role === "assistant" ? new AIMessage(text) : new HumanMessage(text);
  chatMessages.set(m, { cell, chars: options.limits.observationChars, cap, message });
  return message;
}

/** The chat messages of a request: the system prompt, then one message per entry. */
export function toChat(system: string, view: Message[], options: ChatOptions): BaseMessage[] {
  const byId = indexCells(options.cells);
  return [new SystemMessage(system), ...view.map((m) => chatMessage(m, byId, options))];
}

/**
 * The entries of a request as the model read them, as text (exports: trajectories); figures sent
 * to a vision model as image parts are not in it.
 */
export function conversationText(view: Message[], r: Rendering): { role: Message["role"]; content: string }[] {
  const byId = indexCells(r.cells);
  return view.map((m) => ({ role: m.role, content: textOf(m, byId, r.limits) }));
}

/** A stored reply: the model's text as sent (so the next request repeats it exactly), bounded. */
export function replyMessage(text: string, maxChars = 40_000): Message {
  const content = text.length > maxChars ? `${text.slice(0, 2_000)}\n[… reply of ${text.length} characters cut here]` : text;
  return { role: "assistant", kind: "reply", content };
}

/**
 * A follow-up request as a conversation entry: it says how the previous request ended (the critic's
 * accepted answer may differ from the coder's last proposal), then the new request.
 */
export function followUpMessage(previous: Pick<Turn, "status" | "answer" | "statusDetail">, index: number, request: string): Message {
  const cut = (s: string) => (s.length > 2_000 ? `${s.slice(0, 2_000)}…` : s);
  const ended =
    previous.status === "done"
      ? `The previous request is finished; its accepted answer was: ${cut(previous.answer ?? "")}`
      : `The previous request ended without an answer (${previous.status}${previous.statusDetail ? `: ${cut(previous.statusDetail)}` : ""}).`;
  return { role: "user", kind: "user", ref: `turn:${index}`, content: `${ended}\n\nNew request from the user (turn ${index + 1}), to work on now; the kernel still holds every variable and file from before:\n${request}` };
}
