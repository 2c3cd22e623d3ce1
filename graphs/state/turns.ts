/**
 * A thread's turns, read from its state: the ended ones (`turns`) and the one in progress. For the
 * nodes (what the current request is) and for history and exports (every turn with its answer).
 */
import type { Cell } from "./cell";
import type { CodeActStateValue, RunStatus, Turn } from "./state";

type TurnFields = Pick<CodeActStateValue, "task" | "request" | "turn" | "turnFirstCell" | "status" | "statusDetail" | "answer" | "tokens"> & {
  turns?: Turn[];
  messages?: { kind: string; content: string }[];
};

/** What the current turn asks: its request, or the task on threads begun before turns were kept. */
export function currentRequest(state: Pick<CodeActStateValue, "task" | "request">): string {
  return state.request || state.task;
}

/** The thread's first request (the task), also when the task field holds a follow-up in transit. */
export function firstRequest(state: TurnFields): string {
  return state.turns?.[0]?.request ?? (state.request || state.task);
}

/** Every turn of the thread, ended ones first, then the current one (with its cells' range). */
export function allTurns(state: TurnFields & { cells?: Cell[] }): (Turn & { endCell: number; current: boolean })[] {
  const ended = state.turns ?? [];
  const cellCount = state.cells?.length ?? 0;
  const current: Turn = {
    index: state.turn ?? ended.length,
    request: currentRequest(state),
    answer: state.answer ?? null,
    status: (state.status ?? "running") as RunStatus,
    statusDetail: state.statusDetail ?? "",
    firstCell: state.turnFirstCell ?? 0,
    tokens: state.tokens ?? 0,
  };
  const list = [...ended, current];
  return list.map((t, i) => ({ ...t, endCell: i + 1 < list.length ? list[i + 1]!.firstCell : cellCount, current: i === list.length - 1 }));
}
