/** executor: runs the pending code action in the kernel and records it as a Cell. */
import { randomUUID } from "node:crypto";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Cell } from "../graphs/cell";
import { writerOf } from "../graphs/events";
import type { CodeActStateValue, CodeActUpdate } from "../graphs/state";
import type { NodeContext } from "./context";
import { formatObservation } from "./observation";

export function executorNode(ctx: NodeContext) {
  let toolsInstalled: Promise<void> | undefined;
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    const emit = writerOf(config);
    const action = state.pendingAction;
    if (action?.kind !== "code") throw new Error("executor reached without a code action (routing bug)");
    if (ctx.tools && ctx.executor.setStdinHandler) toolsInstalled ??= ctx.executor.start().then(() => ctx.executor.setStdinHandler!(ctx.tools));
    await toolsInstalled;
    const startedAt = new Date().toISOString();
    const result = await ctx.executor.execute(action.code, {
      timeoutMs: ctx.limits.cellTimeoutMs,
      onOutput: (event) => emit({ type: "output", event }),
    });
    // A dead kernel is replaced at once so the agent can go on; the observation says what was lost.
    if (result.status === "died") await ctx.executor.restart();
    const cell: Cell = {
      id: randomUUID(),
      step: state.currentStep,
      attempt: state.debugAttempts,
      code: action.code,
      result,
      observation: formatObservation(result, ctx.limits.observationChars),
      startedAt,
    };
    emit({ type: "cell", cell });
    const failed = result.status !== "ok";
    const debugAttempts = failed ? state.debugAttempts + 1 : 0;
    if (failed && debugAttempts <= ctx.limits.maxDebugAttempts) {
      emit({ type: "self_debug", step: state.currentStep, attempt: debugAttempts, error: cell.observation.split("\n").filter(Boolean).pop() ?? result.status });
    }
    return { cells: cell, debugAttempts, pendingAction: null, observation: "" };
  };
}
