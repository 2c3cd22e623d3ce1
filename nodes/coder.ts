/**
 * coder: plan, current step, recent cells and their observations → exactly one code action or a
 * final answer. Also where the run's budgets are checked, since every loop passes through here.
 */
import { type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Cell } from "../graphs/state/cell";
import { writerOf } from "../graphs/state/events";
import type { Limits } from "../graphs/state/limits";
import type { Message } from "../graphs/state/message";
import type { CodeActStateValue, CodeActUpdate, RunStatus } from "../graphs/state/state";
import { artifactScope, callModel, type NodeContext, planText, runDeadline, toolsSection } from "./context";
import { type ArtifactScope, resolveCellOutputs } from "../checkpoints/artifacts/cells";
import { compactIfNeeded } from "./prompting/compaction";
import { activeMessages, focusText, pendingMessages, replyMessage, toChat } from "./prompting/conversation";
import { acceptsImages } from "./prompting/figures";
import { formatObservation } from "./prompting/observation";
import { parseAsCodeAction } from "./prompting/actions";
import { type Action, parseAction } from "./prompting/parse";
import { prompt } from "./prompts";
import { taskWithInputs } from "./workspace/inputs";
import { currentRequest } from "../graphs/state/turns";

/** The first budget the run has used up, if any. */
export function exhaustedBudget(state: CodeActStateValue, limits: Limits): { status: RunStatus; detail: string } | undefined {
  if (state.iterations >= limits.maxIterations) return { status: "max_iterations", detail: `reached the limit of ${limits.maxIterations} coder turns` };
  if (limits.tokenBudget !== undefined && state.tokens >= limits.tokenBudget) return { status: "token_budget", detail: `used ${state.tokens} tokens of a ${limits.tokenBudget} budget` };
  if (limits.wallClockMs !== undefined && state.startedAt && Date.now() - state.startedAt > limits.wallClockMs) {
    return { status: "wall_clock", detail: `ran longer than the ${Math.round(limits.wallClockMs / 1000)} s wall-clock limit` };
  }
  return undefined;
}

function cellText(cell: Cell, last: boolean, limit: number): string {
  const head = last ? "Your last action" : `Action (step ${cell.step + 1}${cell.attempt ? `, retry ${cell.attempt}` : ""})`;
  const notes = cell.notes?.length ? `\n${cell.notes.map((n) => `Note: ${n}`).join("\n")}` : "";
  return `${head}:\n<execute>\n${cell.code}\n</execute>\nOutput:\n${formatObservation(cell.result, limit)}${notes}`;
}

export function historyText(cells: Cell[], keep: number, observationChars: number): string {
  if (!cells.length) return "No code has run yet.";
  const recent = cells.slice(-keep);
  const olderCount = Math.max(0, cells.length - keep);
  // Only the latest older actions are named: a long run must not grow every prompt without bound.
  const named = cells.slice(Math.max(0, olderCount - 10), olderCount);
  const summary = olderCount
    ? `Earlier actions (${olderCount}, their variables still exist${olderCount > named.length ? "; the latest shown" : ""}): ${named.map((c) => `[${c.result.status}] ${c.code.split("\n")[0]!.slice(0, 80)}`).join(" | ")}\n\n`
    : "";
  return summary + recent.map((c, i) => cellText(c, i === recent.length - 1, observationChars)).join("\n\n");
}

/** Today's single re-rendered prompt ("window" context): task, plan, focus and the latest cells. */
/** JSON or text actions (the paper's comparison): the system prompt says how to write one. */
function formatNote(ctx: NodeContext): string {
  return ctx.actionFormat && ctx.actionFormat !== "code" ? `\n\n${prompt(`coder_${ctx.actionFormat}`)}` : "";
}

function windowPrompt(ctx: NodeContext, state: CodeActStateValue): BaseMessage[] {
  return [
    new SystemMessage(coderSystem(ctx)),
    new HumanMessage(
      prompt("coder_turn", {
        task: taskWithInputs({ ...state, task: currentRequest(state) }),
        plan: planText(state.plan, state.currentStep),
        focus: focusText(state),
        history: historyText(state.cells, ctx.limits.historyCells, ctx.limits.observationChars),
        observation: state.observation ? `Note: ${state.observation}` : "",
      }),
    ),
  ];
}

/**
 * The coder's system prompt; stable for the whole run (a cacheable prefix). In conversation mode
 * the planner's and the reviewer's requests are this conversation plus a short instruction, so
 * their standing instructions sit here once (coder_roles) rather than in each request's tail.
 */
export function coderSystem(ctx: NodeContext): string {
  const roles = ctx.limits.context === "conversation" ? `\n\n${prompt("coder_roles")}` : "";
  return prompt("coder", { tools: toolsSection(ctx), claims: ctx.limits.critic === "claims" ? `${prompt("coder_claims")}\n` : "" }) + formatNote(ctx) + roles;
}

/**
 * A figure over 64 KB lives in the artifact store, not in its cell: for a vision model, the cells the
 * request shows get their image bytes back (only those: older ones were compacted away).
 */
async function withFigureBytes(cells: Cell[], active: Message[], scope: ArtifactScope | undefined): Promise<Cell[]> {
  if (!scope) return cells;
  const shown = new Set(active.filter((m) => m.kind === "observation" && m.ref).map((m) => m.ref));
  return Promise.all(cells.map((c) => (shown.has(c.id) && c.result.results.some((o) => o.artifacts) ? resolveCellOutputs(c, scope) : c)));
}

export function coderNode(ctx: NodeContext) {
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    const emit = writerOf(config);
    // The planner may have ended the run (its model call outlived the wall clock).
    if (state.status !== "running") return {};
    const over = exhaustedBudget(state, ctx.limits);
    if (over) return { status: over.status, statusDetail: over.detail };
    emit({ type: "thinking", role: "coder" });
    let messages: BaseMessage[];
    let added: Message[] = [];
    let spent = 0;
    let calls = 1;
    if (ctx.limits.context === "window") messages = windowPrompt(ctx, state);
    else {
      const system = coderSystem(ctx);
      const vision = acceptsImages(ctx.models.coder, ctx.limits.vision);
      added = pendingMessages(state);
      let all = state.messages.concat(added);
      const compaction = await compactIfNeeded(ctx, state, all, system, config, emit, vision);
      if (compaction) {
        added.push(compaction.summary);
        all = all.concat(compaction.summary);
        spent += compaction.tokens;
        calls += compaction.calls;
      }
      const active = activeMessages(all);
      messages = toChat(system, active, { cells: vision ? await withFigureBytes(state.cells, active, artifactScope(ctx, config)) : state.cells, limits: ctx.limits, vision });
    }
    const { text, tokens } = await callModel(ctx.models.coder, messages, config, runDeadline(state, ctx.limits));
    const action: Action = !ctx.actionFormat || ctx.actionFormat === "code" ? parseAction(text) : parseAsCodeAction(text, ctx.actionFormat);
    const update: CodeActUpdate = { pendingAction: action, iterations: state.iterations + 1, tokens: state.tokens + spent + tokens, modelCalls: (state.modelCalls ?? 0) + calls };
    if (ctx.limits.context === "conversation") {
      update.messages = [...added, replyMessage(text)];
      // Recorded once, and again only when it changes: an export shows what the model was sent.
      const system = (messages[0] as { content?: unknown } | undefined)?.content;
      const last = state.systemPrompts?.at(-1);
      if (typeof system === "string" && (last?.content !== system || last.observationChars !== ctx.limits.observationChars || last.contextTokens !== ctx.limits.contextTokens)) {
        update.systemPrompts = { content: system, fromMessage: state.messages.length, observationChars: ctx.limits.observationChars, ...(ctx.limits.contextTokens ? { contextTokens: ctx.limits.contextTokens } : {}) };
      }
    }
    update.stepClaimed = action.kind === "code" && Boolean(action.stepDone);
    if (action.kind === "invalid") {
      const count = state.invalidOutputs + 1;
      emit({ type: "invalid_output", reason: action.reason, count });
      update.invalidOutputs = count;
      update.observation = `Your last reply could not be used: ${action.reason}`;
      if (count >= ctx.limits.maxInvalidOutputs) {
        update.status = "invalid_output";
        update.statusDetail = `the model gave ${count} unusable replies in a row; last problem: ${action.reason}`;
      }
      return update;
    }
    update.invalidOutputs = 0;
    update.observation = "";
    if (action.kind === "code") emit({ type: "action", step: state.currentStep, attempt: state.debugAttempts, code: action.code, thought: action.thought });
    else if (action.kind === "answer") emit({ type: "proposed_answer", answer: action.answer });
    return update;
  };
}
