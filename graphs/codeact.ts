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
import { type BaseCheckpointSaver, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import { MemoryArtifactStore } from "../checkpoints/artifacts/memory";
import type { ArtifactStore } from "../checkpoints/artifacts/store";
import type { CodeExecutor } from "../executors/types";
import type { NodeContext } from "../nodes/context";
import { coderNode } from "../nodes/coder";
import { criticNode } from "../nodes/critic";
import { executorNode, withKernelPrefetch } from "../nodes/executor";
import type { RoleModels } from "../nodes/models/models";
import { plannerNode } from "../nodes/planner";
import { ToolBridge } from "../tools/bridge";
import { type Limits, type LimitsInput, LimitsSchema, recursionLimitFor } from "./state/limits";
import { routeAfterCoder, routeAfterCritic, routeAfterExecutor } from "./routing";
import { CodeActState } from "./state/state";
import { type Node, step } from "./step";

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

type Nodes = Record<"planner" | "coder" | "executor" | "critic", Node>;

/** The one statement of the graph's shape: the four nodes, their edges and where each may route. */
function assemble(nodes: Nodes, limits: Limits, checkpointer: BaseCheckpointSaver | undefined) {
  return new StateGraph(CodeActState)
    .addNode("planner", step(nodes.planner))
    .addNode("coder", step(nodes.coder, routeAfterCoder), { ends: ["executor", "critic", "coder", END] })
    .addNode("executor", step(nodes.executor, routeAfterExecutor(limits)), { ends: ["critic", "coder"] })
    .addNode("critic", step(nodes.critic, routeAfterCritic), { ends: ["coder", "planner", END] })
    .addEdge(START, "planner")
    .addEdge("planner", "coder")
    .compile({ checkpointer, name: "codeact" });
}

export function createCodeActGraph(options: CodeActGraphOptions) {
  const limits = LimitsSchema.parse(options.limits ?? {});
  const askUser = options.askUser ?? true;
  // ask_user() lives in the tool bridge's prelude: a graph without tools still gets an (empty) bridge.
  const tools = options.tools ?? (askUser ? new ToolBridge([]) : undefined);
  const ctx: NodeContext = { models: options.models, executor: options.executor, tools, limits, artifacts: defaultArtifacts(options), actionFormat: options.actionFormat, askUser };
  // The kernel is rebuilt while the planner or coder thinks, not after (nodes/executor.ts).
  const graph = assemble({ planner: withKernelPrefetch(ctx, plannerNode(ctx)), coder: withKernelPrefetch(ctx, coderNode(ctx)), executor: executorNode(ctx), critic: criticNode(ctx) }, limits, options.checkpointer);
  // `artifacts`: where runCodeAct keeps the run's input files (graphs/run.ts).
  return Object.assign(graph, { limits, recursionLimit: recursionLimitFor(limits), artifacts: ctx.artifacts });
}

export type CodeActGraph = ReturnType<typeof createCodeActGraph>;

const refuse: Node = async () => {
  throw new Error("This CodeAct graph reads and writes a thread's checkpoints; it has no models or kernel to run a node. Build one with createCodeActGraph to run.");
};

/**
 * The CodeAct graph with no runtime bound: the same state, nodes and routing as a running graph, so
 * getState, getStateHistory and updateState read and write a thread exactly as a run sees it
 * (delta channels rebuilt, pending interrupts, `next`), while loading no model client or kernel.
 */
export function threadGraph(checkpointer: BaseCheckpointSaver) {
  return assemble({ planner: refuse, coder: refuse, executor: refuse, critic: refuse }, LimitsSchema.parse({}), checkpointer);
}
