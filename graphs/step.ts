/**
 * How a node function becomes a step of the graph: what every node needs around it, applied once
 * where the graph is assembled (graphs/codeact.ts), so a node module holds only its node.
 */
import { Command, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { WallClockError } from "../nodes/models/model-errors";
import type { Cell } from "./state/cell";
import { type CodeActStateValue, type CodeActUpdate, type Critique, markNodeOutput } from "./state/state";

export type Node = (state: CodeActStateValue, config: LangGraphRunnableConfig) => Promise<CodeActUpdate>;

/**
 * Drops scalar fields that would not change the state. Every written channel is a row in the
 * checkpointer's writes table, so unchanged writes cost bytes on every step of a long run.
 */
export function onlyChanges<S extends object, U extends object>(state: S, update: U): U {
  const out: Record<string, unknown> = {};
  for (const key in update) {
    const value = update[key] as unknown;
    const scalar = value === null || typeof value !== "object";
    if (scalar && (state as Record<string, unknown>)[key] === value) continue;
    out[key] = value;
  }
  return out as U;
}

/**
 * The state a route function sees: the update over the state, appended channels appended. Copied
 * with Object.assign: measured on the state LangGraph hands a node, a spread copy costs several
 * times as much, and reading through the state as a prototype more still (V8 reshapes an object
 * the first time it becomes a prototype, and each step's state is a new object).
 */
function after(state: CodeActStateValue, update: CodeActUpdate): CodeActStateValue {
  const view: Record<string, unknown> = Object.assign({}, state, update);
  if (update.critiques !== undefined) view.critiques = state.critiques.concat(update.critiques as Critique | Critique[]);
  if (update.cells !== undefined) view.cells = state.cells.concat(update.cells as Cell | Cell[]);
  return view as CodeActStateValue;
}

/**
 * A node as a graph step: a model call cut off by the wall clock ends the run with that status
 * (checkpointed, like any other budget); only changed fields are written (and not parsed again:
 * graphs/state/state.ts markNodeOutput); and, given a route, the
 * step returns Command({ update, goto }) instead of leaving the choice to a conditional edge, which
 * LangGraph evaluates as one more runnable on a fresh copy of the whole state every step. The route
 * functions (graphs/routing.ts) stay the single statement of the routing.
 */
export function step(node: Node, route?: (state: CodeActStateValue) => string) {
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate | Command> => {
    let update: CodeActUpdate;
    try {
      update = await node(state, config);
    } catch (err) {
      if (!(err instanceof WallClockError)) throw err;
      update = { status: "wall_clock", statusDetail: err.message };
    }
    const changes = onlyChanges(state, update);
    markNodeOutput(changes);
    return route ? new Command({ update: changes, goto: route(after(state, changes)) }) : changes;
  };
}
