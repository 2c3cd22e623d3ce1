/**
 * The CodeAct graph's routing, stated once: where each node's update sends the run next, and (for
 * writing a state as if a node had just run, as branching does) which node's routing leads to a
 * given next node.
 */
import { END } from "@langchain/langgraph";
import type { Limits } from "./state/limits";
import type { CodeActStateValue } from "./state/state";

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
 * The node whose outgoing routing reproduces `next` from these values: a state written "as" that
 * node continues at `next` (graphs/branch.ts). The inverse of the route functions above.
 */
export function asNodeFor(next: readonly string[], values: CodeActStateValue): "planner" | "coder" | "executor" | "critic" {
  switch (next[0]) {
    case "executor":
      return "coder";
    case "critic":
      return values.pendingAction?.kind === "answer" || values.pendingAction?.kind === "claim" ? "coder" : "executor";
    case "planner":
      return "critic";
    default:
      return "planner"; // planner → coder is a plain edge
  }
}
