/**
 * planner: the request (and the critic's feedback when replanning) → ordered steps with
 * done-criteria. As the graph's entry it also starts each turn (nodes/turns.ts): a follow-up on an
 * ended thread is planned here with the earlier turns in view.
 */
import { type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { writerOf } from "../graphs/state/events";
import type { Message } from "../graphs/state/message";
import { coderSystem } from "./coder";
import { activeMessages, pendingMessages, toChat } from "./prompting/conversation";
import { acceptsImages } from "./prompting/figures";
import { type CodeActStateValue, type CodeActUpdate, PlanStepSchema } from "../graphs/state/state";
import { type NodeContext, planText, runDeadline, toolsSection } from "./context";
import { WallClockError } from "./models/model-errors";
import { prompt } from "./prompts";
import { askForJson } from "./models/structured";
import { taskWithInputs } from "./workspace/inputs";
import { currentRequest, earlierTurnsText, startTurn } from "./turns";

const PlanSchema = z.object({ steps: z.array(PlanStepSchema).min(1).max(12) });

export function plannerNode(ctx: NodeContext) {
  return async (input: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    const emit = writerOf(config);
    const begun = startTurn(input);
    const state = begun.state;
    if (begun.started) emit({ type: "turn", ...begun.started });
    const request = currentRequest(state);
    const replanning = state.plan.length > 0;
    const startedAt = state.startedAt || Date.now();
    emit({ type: "thinking", role: "planner" });
    let messages: BaseMessage[];
    let added: Message[] = [];
    const conversation = ctx.limits.context === "conversation";
    if (conversation) {
      // Every plan (the first, a follow-up's, a replan) is asked on the coder's conversation, which
      // starts with the task, plus one short instruction: the request shares the coder's cached
      // prefix (system prompt included, where the planner's standing instructions are).
      added = pendingMessages(state);
      const view = activeMessages(state.messages.concat(added));
      const tail = replanning ? prompt("planner_replan", { feedback: state.feedback || "(none)" }) : prompt("planner_turn");
      messages = [...toChat(coderSystem(ctx), view, { cells: state.cells, limits: ctx.limits, vision: acceptsImages(ctx.models.planner, ctx.limits.vision) }), new HumanMessage(tail)];
    } else {
      const replan = replanning
        ? `\nA previous plan did not work:\n${planText(state.plan, state.currentStep)}\n\nReviewer's feedback: ${state.feedback || "(none)"}\nLast observation:\n${state.observation || "(none)"}\n\nMake a new plan that avoids the problem. Variables from earlier code still exist in the kernel.`
        : "";
      const task = state.turn
        ? prompt("planner_followup", { earlier: earlierTurnsText(state), turn: String(state.turn + 1), task: request, replan })
        : prompt("planner_task", { task: taskWithInputs({ ...state, task: request }), replan });
      messages = [new SystemMessage(prompt("planner", { tools: toolsSection(ctx) })), new HumanMessage(task)];
    }
    let planned;
    try {
      planned = await askForJson(
        ctx.models.planner,
        messages,
        PlanSchema,
        () => ({ steps: [{ description: request, doneCriterion: "the task is answered" }] }),
        config,
        runDeadline({ startedAt }, ctx.limits),
        "plan",
        "planner",
        // No response_format on the shared prefix: OpenAI counts the schema as part of it.
        conversation ? { structured: false, shared: messages.length - 1 } : {},
      );
    } catch (err) {
      // The turn still begins (recorded, reset) when its plan outlives the wall clock: it ends with that status.
      if (!(err instanceof WallClockError) || !begun.started) throw err;
      return { ...begun.update, status: "wall_clock", statusDetail: err.message, startedAt };
    }
    const { value, tokens, calls, problem } = planned;
    if (problem) emit({ type: "invalid_output", reason: `${problem}; planned the request as one step`, count: 1 });
    emit({ type: "plan", steps: value.steps, replan: replanning });
    const turnMessages = (begun.update.messages ?? []) as Message[];
    return {
      ...begun.update,
      ...(added.length || turnMessages.length ? { messages: [...turnMessages, ...added] } : {}),
      plan: value.steps,
      currentStep: 0,
      debugAttempts: 0,
      pendingAction: null,
      feedback: "",
      replans: replanning ? state.replans + 1 : state.replans,
      observation: replanning ? `The plan was revised after this feedback: ${state.feedback}` : "",
      tokens: state.tokens + tokens,
      modelCalls: (state.modelCalls ?? 0) + calls,
      startedAt,
    };
  };
}
