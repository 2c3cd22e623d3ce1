/**
 * One view of a thread: turns → plan → steps → cells, with the person's decisions, questions and
 * answers, compactions and files where they happened. `codeact history`, the notebook, the HTML
 * page and the trajectory export render this, so each reads the state in one agreed way. Plain
 * JSON data (the web page receives it as is).
 *
 * Where the state records no position, the view does not invent one: a critique from a thread
 * written before critiques recorded their turn and cell stays in `critiques` only, and a cell from
 * before approvals were recorded shows an edit without its diff and no plain approval.
 */
import { redactDeep } from "../errors/redact";
import type { ExecutionResult } from "../executors/types";
import type { CellFile } from "../graphs/state/cell";
import type { Message } from "../graphs/state/message";
import type { CodeActStateValue, Critique, PlanStep, RunStatus } from "../graphs/state/state";
import { allTurns } from "../graphs/state/turns";
import { parseAction } from "../nodes/prompting/parse";
import { type DiffLine, lineDiff } from "./diff";

export interface ViewCell {
  kind: "cell";
  /** Position in the thread's cells (also what notebook ids are made of). */
  index: number;
  id: string;
  step: number;
  /** 0 for a step's first attempt, n for the n-th self-debug retry. */
  attempt: number;
  code: string;
  /** What the coder wrote before the code in the reply that proposed it ("" when nothing, or not kept). */
  thought: string;
  /** A person edited the code in approval mode before it ran (the code is what ran). */
  edited: boolean;
  result: ExecutionResult;
  notes: string[];
  /** What ask_user() asked during the cell, with the person's answers, in order. */
  questions: { question: string; answer: string }[];
  /** Files the cell left under /workspace/outputs/. */
  files: CellFile[];
  startedAt: string;
}

/** The coder's older conversation was replaced by a summary here. */
export interface ViewCompaction {
  kind: "compaction";
  /** The n-th compaction of the thread (0-based). */
  index: number;
  /** Written without the model. */
  digest: boolean;
  summary: string;
}

/** A person's say on an action. */
export type ViewDecision =
  /** Approved as proposed (approval mode), just before the cell that ran it. */
  | { kind: "decision"; decision: "approved"; cell: number }
  /** Edited, then run: `proposed` → the cell's code, as a line diff (absent for threads before the proposal was kept). */
  | { kind: "decision"; decision: "edited"; cell: number; proposed?: string; diff?: DiffLine[] }
  | { kind: "decision"; decision: "rejected"; feedback: string }
  /** A branch replaced the pending action's code (`codeact branch --code`). */
  | { kind: "decision"; decision: "replaced"; code: string }
  /** An instruction given during a turn (`codeact branch --instruction`, a server input to a running thread). */
  | { kind: "decision"; decision: "instruction"; text: string };

/** The critic's verdict on the step, where it was given. */
export interface ViewCritique {
  kind: "critique";
  step: number;
  verdict: Critique["verdict"];
  feedback: string;
}

/** A plan as the coder was given it: the turn's first, or a revision (`replans` > 0 within the thread). */
export interface ViewPlan {
  kind: "plan";
  /** The thread's replan count when it was made (0: the first plan of the thread). */
  replans: number;
  /** The plan's text as the coder read it (numbered steps with their done-criteria). */
  text: string;
}

export type ViewEntry = ViewCell | ViewCompaction | ViewDecision | ViewCritique | ViewPlan;

/** Consecutive cells of one plan step, with what happened between them. */
export interface ViewStep {
  step: number;
  /** Known for the current turn only: the state keeps no earlier turn's plan. */
  description?: string;
  doneCriterion?: string;
  entries: ViewEntry[];
}

export interface ViewTurn {
  index: number;
  /** The request as the turn recorded it (turn 0: see ThreadView.task for the thread's own text). */
  request: string;
  current: boolean;
  status: RunStatus;
  statusDetail: string;
  answer: string | null;
  tokens: number;
  cellCount: number;
  /** The current turn's plan; empty for ended turns (only the current plan is kept). */
  plan: PlanStep[];
  /** What happened in a turn that has no cells (yet). */
  before: ViewEntry[];
  steps: ViewStep[];
}

export interface ThreadView {
  threadId: string;
  /** The thread's first request. */
  task: string;
  status: RunStatus;
  statusDetail: string;
  answer: string | null;
  tokens: number;
  iterations: number;
  /** The current turn's plan. */
  plan: PlanStep[];
  /** The run's input files (bytes in the artifact store or the checkpoint, never here). */
  inputs: { name: string; size: number; sha256: string }[];
  turns: ViewTurn[];
  /** Every critique in order; those with a position (turn, cells before it) are also inline. */
  critiques: Critique[];
  /** Files under /workspace that the accepted answer names. */
  answerFiles: CellFile[];
  cellCount: number;
}

const REJECTED = /^A person rejected your last action without running it(?:: ([\s\S]*))?\. Propose a different action\.$/;
const REPLACED = /^The user replaced the code of your last action before it ran; this runs instead:\n```python\n([\s\S]*)\n```$/;
const INSTRUCTION = /^Instruction from the user: ([\s\S]*)$/;

/** A conversation entry as a view entry, when it is one (a summary, or a person's decision). */
function entryOf(m: Message, compactions: number): ViewCompaction | ViewDecision | undefined {
  if (m.kind === "summary") return { kind: "compaction", index: compactions, digest: m.digest ?? false, summary: m.content };
  if (m.kind === "decision") {
    const rejected = REJECTED.exec(m.content);
    if (rejected) return { kind: "decision", decision: "rejected", feedback: rejected[1] ?? "" };
    const replaced = REPLACED.exec(m.content);
    if (replaced) return { kind: "decision", decision: "replaced", code: replaced[1]! };
  }
  const instruction = m.kind === "user" && !m.ref ? INSTRUCTION.exec(m.content) : null;
  return instruction ? { kind: "decision", decision: "instruction", text: instruction[1]! } : undefined;
}

/**
 * A whole plan the coder was given (`Plan:\n…`, ref `plan:<replans>:<step>[:<turn>]`); a message that
 * only moves the focus to the next step is no plan. The text is the coder's, cut before the focus.
 */
function planOf(m: Message): { step: number; turn: number; entry: ViewPlan } | undefined {
  if (m.kind !== "plan" || !m.ref?.startsWith("plan:") || !m.content.startsWith("Plan:\n")) return undefined;
  const [, replans, step, turn = "0"] = m.ref.split(":");
  const text = m.content.slice("Plan:\n".length).split(/\n\nCurrent step /)[0]!.replace(/^→ /gm, "");
  return { step: Number(step) || 0, turn: Number(turn) || 0, entry: { kind: "plan", replans: Number(replans) || 0, text } };
}

/** The thought of each cell's reply, by cell id: the reply just before the cell's observation. */
function thoughtsByCell(messages: Message[]): Map<string, string> {
  const out = new Map<string, string>();
  let reply: string | undefined;
  for (const m of messages) {
    if (m.kind === "reply") reply = m.content;
    else if (m.kind === "observation" && m.ref && reply !== undefined) {
      const action = parseAction(reply);
      if (action.kind === "code") out.set(m.ref, action.thought);
      reply = undefined;
    }
  }
  return out;
}

interface Event {
  /** Cells run before it (counted as compactionsOf does). */
  afterCells: number;
  /** The plan step the coder was on (from the conversation's plan entries), when known. */
  step?: number;
  /** The turn it belongs to, when recorded: one given as a turn ended stays in that turn. */
  turn?: number;
  entry: ViewCompaction | ViewDecision | ViewCritique | ViewPlan;
}

/** Critiques that recorded where they were given (older ones did not). */
const critiqueEvents = (state: CodeActStateValue): Event[] =>
  (state.critiques ?? []).flatMap((c) => (c.afterCells === undefined ? [] : [{ afterCells: c.afterCells, step: c.step, turn: c.turn, entry: { kind: "critique" as const, step: c.step, verdict: c.verdict, feedback: c.feedback } }]));

/** The conversation's events in order, each with where it happened. */
function conversationEvents(state: CodeActStateValue): Event[] {
  const out: Event[] = [];
  let cells = 0;
  let compactions = 0;
  let step: number | undefined;
  for (const m of state.messages ?? []) {
    if (m.kind === "observation") cells++;
    // `plan:<replans>:<step>[:<turn>]` tells the coder which step it is on; a follow-up starts at the first.
    if (m.kind === "plan" && m.ref?.startsWith("plan:")) step = Number(m.ref.split(":")[2]);
    if (m.kind === "user" && m.ref?.startsWith("turn:")) step = 0;
    const plan = planOf(m);
    if (plan) {
      out.push({ afterCells: cells, step: plan.step, turn: plan.turn, entry: plan.entry });
      continue;
    }
    const entry = entryOf(m, compactions);
    if (entry?.kind === "compaction") compactions++;
    if (entry) out.push({ afterCells: cells, step: Number.isInteger(step) ? step : undefined, entry });
  }
  // A rejection the coder has not read yet is still the pending note, not an entry.
  const pending = state.rejected && state.observation ? REJECTED.exec(state.observation) : null;
  if (pending) out.push({ afterCells: state.cells.length, step: state.currentStep, entry: { kind: "decision", decision: "rejected", feedback: pending[1] ?? "" } });
  return out;
}

/** What a person decided about the cell before it ran, when recorded. */
function cellDecision(cell: CodeActStateValue["cells"][number], index: number): ViewDecision | undefined {
  if (cell.edited) return { kind: "decision", decision: "edited", cell: index, ...(cell.proposed !== undefined ? { proposed: cell.proposed, diff: lineDiff(cell.proposed, cell.code) } : {}) };
  return cell.approved ? { kind: "decision", decision: "approved", cell: index } : undefined;
}

function viewCell(cell: CodeActStateValue["cells"][number], index: number, thought = ""): ViewCell {
  return {
    kind: "cell",
    index,
    id: cell.id,
    step: cell.step,
    attempt: cell.attempt,
    code: cell.code,
    thought,
    edited: cell.edited ?? false,
    result: cell.result,
    notes: cell.notes ?? [],
    questions: cell.answers ?? [],
    files: cell.files ?? [],
    startedAt: cell.startedAt,
  };
}

/** The view of a full-graph thread's state (as graphs/threads.ts readThreadState reads it). */
export function threadView(state: CodeActStateValue, threadId: string): ThreadView {
  const cells = state.cells ?? [];
  const plan = state.plan ?? [];
  const ranges = allTurns(state);
  const thoughts = thoughtsByCell(state.messages ?? []);
  const turns: ViewTurn[] = ranges.map((t) => ({
    index: t.index,
    request: t.request,
    current: t.current,
    status: t.status,
    statusDetail: t.statusDetail,
    answer: t.answer,
    tokens: t.tokens,
    cellCount: Math.max(0, t.endCell - t.firstCell),
    plan: t.current ? plan : [],
    before: [],
    steps: [],
  }));
  // Cell position → where its entries go: its step's entry list, made as the cells are walked.
  const stepOfCell: ViewStep[] = [];
  ranges.forEach((range, n) => {
    const turn = turns[n]!;
    for (let i = range.firstCell; i < range.endCell; i++) {
      const cell = cells[i]!;
      let step = turn.steps.at(-1);
      if (!step || step.step !== cell.step) {
        const s = turn.plan[cell.step];
        step = { step: cell.step, ...(s ? { description: s.description, doneCriterion: s.doneCriterion } : {}), entries: [] };
        turn.steps.push(step);
      }
      const decision = cellDecision(cell, i);
      if (decision) step.entries.push(decision);
      step.entries.push(viewCell(cell, i, thoughts.get(cell.id)));
      stepOfCell[i] = step;
    }
  });
  // An event after p cells sits just before cell p, in cell p's step; at a step's first cell, one
  // that belongs to the step before stays after that step's last cell. One after the thread's last
  // cell ends the last turn; a turn without cells holds its events in `before`.
  const inTurn = (p: number) => ranges.findIndex((r) => r.firstCell <= p && p < r.endCell);
  // At the same point a critique comes first: the critic judges a cell before anything else happens.
  const events = [...critiqueEvents(state), ...conversationEvents(state)].sort((a, b) => a.afterCells - b.afterCells);
  for (const { afterCells: p, step, turn: at, entry } of events) {
    // Given as its turn ended (after the turn's last cell): the end of that turn.
    const ended = at !== undefined && turns[at] && !(ranges[at]!.firstCell <= p && p < ranges[at]!.endCell) ? turns[at] : undefined;
    if (ended) {
      (ended.steps.at(-1)?.entries ?? ended.before).push(entry);
      continue;
    }
    const n = p < cells.length ? inTurn(p) : -1;
    const turn = n >= 0 ? turns[n]! : turns.at(-1)!;
    const group = n >= 0 ? stepOfCell[p] : undefined;
    const previous = n >= 0 ? (p > ranges[n]!.firstCell ? stepOfCell[p - 1] : undefined) : turn.steps.at(-1);
    if (group && !(previous && previous !== group && step !== group.step)) {
      // Before the cell, and before the person's decision that let it run.
      const at = group.entries.findIndex((e) => (e.kind === "cell" && e.index === p) || (e.kind === "decision" && "cell" in e && e.cell === p));
      group.entries.splice(at, 0, entry);
    } else (previous?.entries ?? turn.before).push(entry);
  }
  // A view is what leaves the process (history, exports, the page): credentials inside URLs are masked.
  return redactDeep({
    threadId,
    task: state.task,
    status: state.status,
    statusDetail: state.statusDetail ?? "",
    answer: state.answer ?? null,
    tokens: state.tokens ?? 0,
    iterations: state.iterations ?? 0,
    plan,
    inputs: (state.inputs ?? []).map((f) => ({ name: f.name, size: f.size, sha256: f.sha256 })),
    turns,
    critiques: state.critiques ?? [],
    answerFiles: state.answerFiles ?? [],
    cellCount: cells.length,
  });
}

/** Critiques from threads written before critiques recorded where they were given: not inline, listed apart. */
export const unplacedCritiques = (view: ThreadView): Critique[] => view.critiques.filter((c) => c.afterCells === undefined);

/** Every entry of a turn in the order it happened. */
export const turnEntries = (turn: ViewTurn): ViewEntry[] => [...turn.before, ...turn.steps.flatMap((s) => s.entries)];

/** Every cell of the thread, in order. */
export const viewCells = (view: ThreadView): ViewCell[] => view.turns.flatMap((t) => turnEntries(t).filter((e): e is ViewCell => e.kind === "cell"));
