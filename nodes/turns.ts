/**
 * Where a turn begins: the planner is the graph's entry, so every input passes it first. An input
 * on a thread whose last turn ended is a follow-up: the ended turn is recorded, the per-turn fields
 * are reset and the request goes into the conversation; the kernel, cells and conversation stay.
 */
import type { Message } from "../graphs/state/message";
import type { CodeActStateValue, CodeActUpdate, Turn } from "../graphs/state/state";
import { currentRequest, firstRequest } from "../graphs/state/turns";
import { followUpMessage } from "./prompting/conversation";
import { digest } from "./prompting/digest";

export interface TurnStart {
  /** Fields the planner writes besides its plan. */
  update: CodeActUpdate;
  /** The state as the planner should see it (the update applied). */
  state: CodeActStateValue;
  /** Set when a turn starts here: the `turn` event. */
  started?: { index: number; request: string };
}

/** The first request of a thread begun before requests were recorded: its conversation's first entry. */
function recordedTask(messages: Message[]): string | undefined {
  const first = messages.find((m) => m.kind === "task");
  return first?.content.replace(/^Task: /, "").replace(/\n\nEarlier work on this task \(before this conversation was kept\):[\s\S]*$/, "");
}

/** Everything a follow-up resets: what each turn has for itself (see the state schema). */
function freshTurn(state: CodeActStateValue, text: string): CodeActUpdate {
  return {
    turn: state.turn + 1,
    request: text,
    turnFirstCell: state.cells.length,
    status: "running",
    statusDetail: "",
    answer: null,
    plan: [],
    currentStep: 0,
    debugAttempts: 0,
    pendingAction: null,
    stepClaimed: false,
    rejected: false,
    feedback: "",
    observation: "",
    invalidOutputs: 0,
    replans: 0,
    iterations: 0,
    tokens: 0,
    modelCalls: 0,
    startedAt: 0,
  };
}

export function startTurn(state: CodeActStateValue): TurnStart {
  const turns = state.turns ?? [];
  if (state.status === "running" && !state.request) {
    // The first turn (or a thread from before turns were kept, mid-run): its request is the task.
    const update: CodeActUpdate = { request: state.task };
    const started = state.plan.length ? undefined : { index: state.turn, request: state.task };
    return { update, state: { ...state, request: state.task }, started };
  }
  if (state.status !== "running") {
    // The task field holds the new input; the thread keeps its first request there.
    const text = state.task;
    const previous = state.request || recordedTask(state.messages) || "(not recorded)";
    const ended: Turn = {
      index: state.turn,
      request: previous,
      answer: state.answer,
      status: state.status,
      statusDetail: state.statusDetail,
      firstCell: state.turnFirstCell,
      tokens: state.tokens,
    };
    const first = turns[0]?.request ?? previous;
    const note = followUpMessage(ended, state.turn + 1, text);
    const update: CodeActUpdate = { ...freshTurn(state, text), task: first, turns: ended, messages: [note] };
    const view = { ...state, ...update, turns: turns.concat(ended), messages: state.messages.concat(note) } as CodeActStateValue;
    return { update, state: view, started: { index: state.turn + 1, request: text } };
  }
  const first = firstRequest(state);
  if (state.task !== first) {
    // A new input while a turn is in progress (a LangGraph server client sending input to a paused
    // thread; the CLI and runCodeAct refuse instead). LangGraph has already dropped the pending
    // step, so the input is taken as the user's instruction for this turn, and the turn is replanned.
    const note = `Instruction from the user: ${state.task}`;
    const update: CodeActUpdate = { task: first, feedback: note, observation: note, pendingAction: null };
    return { update, state: { ...state, ...update } as CodeActStateValue };
  }
  return { update: {}, state };
}

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

/** The earlier turns for the planner: what was asked and what came of it, and the work in brief. */
export function earlierTurnsText(state: CodeActStateValue): string {
  const turns = (state.turns ?? []).slice(-10);
  const lines = turns.map((t) => {
    const outcome = t.status === "done" ? `answered: ${cut(t.answer ?? "", 600)}` : `ended without an answer (${t.status}${t.statusDetail ? `: ${cut(t.statusDetail, 200)}` : ""})`;
    return `Turn ${t.index + 1}: ${cut(t.request, 600)}\n  ${outcome}`;
  });
  const work = state.cells.length ? digest(state.cells) : "No code has run yet.";
  return `${lines.join("\n")}\n\n${work}`;
}

export { currentRequest };
