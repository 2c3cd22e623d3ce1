/**
 * A CodeAct agent as one node of a caller's own LangGraph workflow. The agent runs as a subgraph:
 * compiled without a checkpointer, it keeps its checkpoints in the parent's (under its node's
 * namespace), so a paused or crashed workflow resumes inside the agent, and the agent's approvals
 * and ask_user() questions surface as the parent's interrupts, resumed with the parent's Command.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { CodeActGraph } from "./codeact";
import type { CodeActStateValue } from "./state/state";
import { CodeActError } from "../errors";

export interface CodeActNodeOptions<S, U> {
  /** The agent's task, from the workflow's state. */
  task: (state: S) => string;
  /** The workflow's update from the agent's final state (its `answer`, `status`, `cells`). */
  update: (result: CodeActStateValue, state: S) => U | Promise<U>;
}

/**
 * @example
 * ```ts
 * const analyst = createCodeActGraph({ models, executor }); // no checkpointer: the workflow's is used
 * new StateGraph(Workflow).addNode("analyst", codeActNode(analyst, {
 *   task: (s) => `Summarise ${s.dataset}`,
 *   update: (r) => ({ summary: r.answer }),
 * }));
 * ```
 */
export function codeActNode<S, U>(agent: CodeActGraph, options: CodeActNodeOptions<S, U>) {
  if (agent.checkpointer) {
    // A subgraph with a saver of its own keeps its checkpoints apart from the workflow's: a resumed
    // workflow would start the agent again instead of continuing it.
    throw new CodeActError("usage", "codeActNode: this agent has a checkpointer of its own;", {
      hint: "compile it without one (createCodeActGraph without `checkpointer`): as a node it keeps its state in the workflow's.",
    });
  }
  return async (state: S, config: LangGraphRunnableConfig): Promise<U> => {
    // The workflow's recursion limit counts the workflow's steps; the agent has its own.
    const result = (await agent.invoke({ task: options.task(state) }, { ...config, recursionLimit: agent.recursionLimit })) as CodeActStateValue;
    return options.update(result, state);
  };
}
