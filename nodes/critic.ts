/**
 * critic: judges the step (or the proposed answer) from the evidence — next step, replan, or done
 * with the answer. It also decides what happens when the self-debug budget of a step runs out.
 */
import { type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { writerOf } from "../graphs/state/events";
import type { Message } from "../graphs/state/message";
import { coderSystem } from "./coder";
import { activeMessages, pendingMessages, toChat } from "./prompting/conversation";
import { acceptsImages } from "./prompting/figures";
import type { CodeActStateValue, CodeActUpdate } from "../graphs/state/state";
import { artifactScope, type NodeContext, planText, runDeadline } from "./context";
import { formatObservation } from "./prompting/observation";
import { collectAnswerFiles } from "./workspace/outputs";
import { prompt } from "./prompts";
import { currentRequest } from "../graphs/state/turns";
import { askForJson } from "./models/structured";

const VerdictSchema = z.object({
  verdict: z.enum(["next", "replan", "done"]),
  feedback: z.string().default(""),
  answer: z.string().nullish(),
});

/**
 * The evidence a window-design review shows: the step's last three cells of this turn (an earlier
 * turn's step of the same number is not evidence for this one), found from the end so a long
 * thread costs no scan of all its cells.
 */
function windowEvidence(state: CodeActStateValue, ctx: NodeContext, exhausted: boolean, proposed: string | undefined): string {
  const stepCells = [];
  for (let i = state.cells.length - 1; i >= (state.turnFirstCell ?? 0) && stepCells.length < 3; i--) if (state.cells[i]!.step === state.currentStep) stepCells.unshift(state.cells[i]!);
  return [
    ...stepCells.map((c) => `Code:\n${c.code}\nOutput (${c.result.status}):\n${formatObservation(c.result, ctx.limits.observationChars)}`),
    exhausted ? `The agent failed ${state.debugAttempts} times in a row on this step and has no retries left. Decide: "replan" (a different approach) or "done" (give up, explaining why in "answer").` : "",
    proposed !== undefined ? `The agent proposes this final answer:\n${proposed}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}

export function criticNode(ctx: NodeContext) {
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    const emit = writerOf(config);
    const proposed = state.pendingAction?.kind === "answer" ? state.pendingAction.answer : undefined;
    const exhausted = state.debugAttempts > ctx.limits.maxDebugAttempts;
    const step = state.plan[state.currentStep];
    // Its number only: the conversation already shows the step and its done-criterion (the focus entry).
    const stepText = step ? `${state.currentStep + 1} of ${state.plan.length}` : "(all steps done)";
    emit({ type: "thinking", role: "critic" });
    let messages: BaseMessage[];
    let added: Message[] = [];
    if (ctx.limits.context === "window") {
      const evidence = windowEvidence(state, ctx, exhausted, proposed);
      messages = [
        new SystemMessage(prompt("critic")),
        new HumanMessage(prompt("critic_turn", { task: currentRequest(state), plan: planText(state.plan, state.currentStep), step: step ? `${state.currentStep + 1}. ${step.description}` : "(all steps done)", evidence: evidence || "(no code has run for this step)" })),
      ];
    } else {
      // The review request is the coder's conversation plus one short instruction, so it reuses
      // the conversation's cached prefix; the verdicts are explained once, in the system prompt
      // (coder_roles), and the instruction itself is not stored.
      added = pendingMessages(state);
      const view = activeMessages(state.messages.concat(added));
      const situation = proposed !== undefined
        ? `The agent proposes this final answer:\n${proposed}`
        : exhausted
          ? `The agent failed ${state.debugAttempts} times in a row on this step and has no retries left. Decide: "replan" (a different approach) or "done" (give up, explaining why in "answer").`
          : state.pendingAction?.kind === "claim" || state.stepClaimed
            ? "The agent says the current step is done."
            : "Judge the latest action.";
      messages = [
        ...toChat(coderSystem(ctx), view, { cells: state.cells, limits: ctx.limits, vision: acceptsImages(ctx.models.critic, ctx.limits.vision) }),
        new HumanMessage(prompt("critic_review", { situation, step: stepText })),
      ];
    }
    const { value, tokens, calls, problem } = await askForJson(
      ctx.models.critic,
      messages,
      VerdictSchema,
      // Unusable critic replies: accept a proposed answer, otherwise move on rather than stall.
      () => (proposed !== undefined ? { verdict: "done" as const, feedback: "", answer: proposed } : { verdict: exhausted ? ("replan" as const) : ("next" as const), feedback: "" }),
      config,
      runDeadline(state, ctx.limits),
      "verdict",
      "critic",
      // The review shares the coder's prefix up to its instruction; a response_format schema would break that (OpenAI).
      ctx.limits.context === "window" ? {} : { structured: false, shared: messages.length - 1 },
    );
    if (problem) emit({ type: "invalid_output", reason: `${problem}; went on with "${value.verdict}"`, count: 1 });
    emit({ type: "critique", step: state.currentStep, verdict: value.verdict, feedback: value.feedback });
    const base: CodeActUpdate = {
      ...(added.length ? { messages: added } : {}),
      stepClaimed: false,
      // The note was moved into the conversation (the window prompt still shows it to the planner).
      ...(ctx.limits.context === "conversation" ? { observation: "" } : {}),
      tokens: state.tokens + tokens,
      modelCalls: (state.modelCalls ?? 0) + calls,
      critiques: { step: state.currentStep, verdict: value.verdict, feedback: value.feedback, turn: state.turn ?? 0, afterCells: state.cells.length },
      pendingAction: null,
    };
    if (value.verdict === "done") {
      const answer = value.answer?.trim() || proposed?.trim() || "";
      if (!answer && exhausted) return { ...base, status: "debug_exhausted", statusDetail: `step ${state.currentStep + 1} failed ${state.debugAttempts} times; ${value.feedback}`.trim() };
      const final = answer || value.feedback;
      // Files the answer points to (under /workspace) are kept with the thread, like outputs/.
      const answerFiles = await collectAnswerFiles(ctx.executor, final, state.cells, artifactScope(ctx, config), emit);
      return { ...base, status: "done", answer: final, ...(answerFiles.length ? { answerFiles } : {}) };
    }
    if (value.verdict === "replan") {
      if (state.replans >= ctx.limits.maxReplans) {
        const status = exhausted ? "debug_exhausted" : "max_replans";
        return { ...base, status, statusDetail: `no replans left (${ctx.limits.maxReplans}); last feedback: ${value.feedback}` };
      }
      return { ...base, feedback: value.feedback || "the current approach is not working" };
    }
    const rejected = proposed !== undefined ? `Your answer was not accepted: ${value.feedback || "it is not supported by the output so far"}` : "";
    const nextStep = proposed !== undefined ? state.currentStep : state.currentStep + 1;
    return {
      ...base,
      currentStep: Math.min(nextStep, state.plan.length),
      debugAttempts: 0,
      observation: rejected || (value.feedback ? `Reviewer: ${value.feedback}` : ""),
    };
  };
}
