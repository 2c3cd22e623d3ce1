/**
 * The CodeAct graph:
 *
 *   START → planner → coder → executor ─ok, step claimed done──→ critic ─next──→ coder
 *                       ↑         │                                   ├─replan──→ planner
 *                       └─error / ok without a claim ─┘               └─done────→ END
 *            (self-debug, bounded by maxDebugAttempts; exhausted → critic; an answer or a
 *             claim without code → critic; limits.critic "every-action": critic after every ok)
 *
 * Budgets (iterations, tokens, wall clock, malformed replies, replans) end a run by setting a
 * status that routes to END, never by throwing.
 */
import { type BaseCheckpointSaver, Command, END, type LangGraphRunnableConfig, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { MemoryArtifactStore } from "../checkpoints/artifacts/memory";
import type { ArtifactStore } from "../checkpoints/artifacts/store";
import type { Cell } from "./cell";
import type { CodeExecutor } from "../executors/types";
import type { NodeContext } from "../nodes/context";
import { coderNode } from "../nodes/coder";
import { criticNode } from "../nodes/critic";
import { executorNode } from "../nodes/executor";
import { WallClockError } from "../nodes/model-errors";
import type { RoleModels } from "../nodes/models";
import { plannerNode } from "../nodes/planner";
import { ToolBridge } from "../tools/bridge";
import { type Limits, type LimitsInput, LimitsSchema, recursionLimitFor } from "./limits";
import { type Critique, CodeActState, type CodeActStateValue, type CodeActUpdate } from "./state";

export interface CodeActGraphOptions {
  models: RoleModels;
  executor: CodeExecutor;
  tools?: ToolBridge;
  limits?: LimitsInput;
  checkpointer?: BaseCheckpointSaver;
  /**
   * Where large outputs (images, big tool arguments/results) are kept instead of the checkpoint:
   * `createCheckpointer` returns one beside its saver. Left out, a MemorySaver gets an in-memory
   * store (both live as long as the process); any other checkpointer keeps them inline, within a
   * per-cell budget (checkpoints/artifacts/cells.ts), since an in-memory store would not outlive it.
   * `null`: always inline.
   */
  artifacts?: ArtifactStore | null;
  actionFormat?: NodeContext["actionFormat"];
  /**
   * ask_user() in the kernel pauses the run for a person's answer (default true; it needs a
   * checkpointer). False for runs nobody watches (evaluation): the coder is not told of it, and a
   * kernel left with the caller's own prelude keeps it.
   */
  askUser?: boolean;
}

function defaultArtifacts(options: CodeActGraphOptions): ArtifactStore | undefined {
  if (options.artifacts !== undefined) return options.artifacts ?? undefined;
  return options.checkpointer instanceof MemorySaver ? new MemoryArtifactStore() : undefined;
}

export function routeAfterCoder(state: CodeActStateValue): "executor" | "critic" | "coder" | typeof END {
  if (state.status !== "running") return END;
  switch (state.pendingAction?.kind) {
    case "code":
      return "executor";
    case "answer":
    case "claim":
      return "critic";
    default:
      return "coder";
  }
}

export function routeAfterExecutor(limits: Limits) {
  return (state: CodeActStateValue): "critic" | "coder" => {
    if (state.rejected) return "coder";
    // The self-debug edge: a failed action goes straight back to the coder while retries remain.
    if (state.debugAttempts > 0 && state.debugAttempts <= limits.maxDebugAttempts) return "coder";
    if (state.debugAttempts > limits.maxDebugAttempts) return "critic";
    // A successful action is reviewed when the coder said it finishes its step (or on every action when asked).
    return limits.critic === "every-action" || state.stepClaimed ? "critic" : "coder";
  };
}

export function routeAfterCritic(state: CodeActStateValue): "coder" | "planner" | typeof END {
  if (state.status !== "running") return END;
  return state.critiques.at(-1)?.verdict === "replan" ? "planner" : "coder";
}

/**
 * Routes from inside the node: it returns Command({ update, goto }) instead of leaving the choice
 * to a conditional edge, which LangGraph evaluates as one more runnable on a fresh copy of the
 * whole state every step. The route functions above stay the single statement of the routing.
 */
function routed<N extends (state: CodeActStateValue, config: LangGraphRunnableConfig) => Promise<CodeActUpdate>, G extends string>(
  node: N,
  route: (state: CodeActStateValue) => G,
) {
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig) => {
    const update = await node(state, config);
    const critiques = update.critiques === undefined ? state.critiques : state.critiques.concat(update.critiques as Critique | Critique[]);
    const cells = update.cells === undefined ? state.cells : state.cells.concat(update.cells as Cell | Cell[]);
    return new Command({ update, goto: route({ ...state, ...update, critiques, cells } as CodeActStateValue) });
  };
}

/** A model call cut off by the wall clock ends the run with that status (checkpointed), like any other budget. */
function stopsOnWallClock(node: (state: CodeActStateValue, config: LangGraphRunnableConfig) => Promise<CodeActUpdate>) {
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    try {
      return await node(state, config);
    } catch (err) {
      if (!(err instanceof WallClockError)) throw err;
      return { status: "wall_clock", statusDetail: err.message };
    }
  };
}

export function createCodeActGraph(options: CodeActGraphOptions) {
  const limits = LimitsSchema.parse(options.limits ?? {});
  const askUser = options.askUser ?? true;
  // ask_user() lives in the tool bridge's prelude: a graph without tools still gets an (empty) bridge.
  const tools = options.tools ?? (askUser ? new ToolBridge([]) : undefined);
  const ctx: NodeContext = { models: options.models, executor: options.executor, tools, limits, artifacts: defaultArtifacts(options), actionFormat: options.actionFormat, askUser };
  const graph = new StateGraph(CodeActState)
    .addNode("planner", stopsOnWallClock(plannerNode(ctx)))
    .addNode("coder", routed(stopsOnWallClock(coderNode(ctx)), routeAfterCoder), { ends: ["executor", "critic", "coder", END] })
    .addNode("executor", routed(executorNode(ctx), routeAfterExecutor(limits)), { ends: ["critic", "coder"] })
    .addNode("critic", routed(stopsOnWallClock(criticNode(ctx)), routeAfterCritic), { ends: ["coder", "planner", END] })
    .addEdge(START, "planner")
    .addEdge("planner", "coder")
    .compile({ checkpointer: options.checkpointer, name: "codeact" });
  // `artifacts`: where runCodeAct keeps the run's input files (graphs/run.ts).
  return Object.assign(graph, { limits, recursionLimit: recursionLimitFor(limits), artifacts: ctx.artifacts });
}

export type CodeActGraph = ReturnType<typeof createCodeActGraph>;
