/** planner: task (and the critic's feedback when replanning) → ordered steps with done-criteria. */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { writerOf } from "../graphs/events";
import { type CodeActStateValue, type CodeActUpdate, PlanStepSchema } from "../graphs/state";
import { type NodeContext, planText, runDeadline, toolsSection, onlyChanges } from "./context";
import { prompt } from "./prompts";
import { askForJson } from "./structured";

const PlanSchema = z.object({ steps: z.array(PlanStepSchema).min(1).max(12) });

export function plannerNode(ctx: NodeContext) {
  const node = async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    const emit = writerOf(config);
    const replanning = state.plan.length > 0;
    const startedAt = state.startedAt || Date.now();
    emit({ type: "thinking", role: "planner" });
    const replan = replanning
      ? `\nA previous plan did not work:\n${planText(state.plan, state.currentStep)}\n\nReviewer's feedback: ${state.feedback || "(none)"}\nLast observation:\n${state.observation || "(none)"}\n\nMake a new plan that avoids the problem. Variables from earlier code still exist in the kernel.`
      : "";
    const { value, tokens } = await askForJson(
      ctx.models.planner,
      [new SystemMessage(prompt("planner", { tools: toolsSection(ctx) })), new HumanMessage(prompt("planner_task", { task: state.task, replan }))],
      PlanSchema,
      () => ({ steps: [{ description: state.task, doneCriterion: "the task is answered" }] }),
      config,
      runDeadline({ startedAt }, ctx.limits),
    );
    emit({ type: "plan", steps: value.steps, replan: replanning });
    return {
      plan: value.steps,
      currentStep: 0,
      debugAttempts: 0,
      pendingAction: null,
      feedback: "",
      replans: replanning ? state.replans + 1 : state.replans,
      observation: replanning ? `The plan was revised after this feedback: ${state.feedback}` : "",
      tokens: state.tokens + tokens,
      startedAt,
    };
  };
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => onlyChanges(state, await node(state, config));
}
