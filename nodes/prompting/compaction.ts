/**
 * Compaction: when the conversation passes its budget, its older turns are replaced by one summary
 * entry that the model writes (what was done, what exists in the kernel, open problems), while the
 * last turns stay verbatim. Without a model answer the summary is a deterministic digest. The
 * summary is appended like any entry, so the stored list stays append-only.
 */
import { currentRequest } from "../../graphs/state/turns";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { HumanMessage } from "@langchain/core/messages";
import type { EventWriter } from "../../graphs/state/events";
import type { Message } from "../../graphs/state/message";
import type { CodeActStateValue } from "../../graphs/state/state";
import { activeMessages, compactionCut, cutMiddle, requestChars, toChat } from "./conversation";
import { callModel, type NodeContext, planText, runDeadline } from "../context";
import { digest } from "./digest";
import { WallClockError } from "../models/model-errors";
import { prompt } from "../prompts";

/** Replies kept verbatim after a compaction (with what follows each). */
export const KEEP_REPLIES = 2;
/** Characters a token, for the budget (the usual rule of thumb for English and code). */
const CHARS_PER_TOKEN = 4;
/**
 * Room kept under the budget for the one instruction a review, replan or summary request adds to
 * the conversation, so those requests stay within the budget too.
 */
const INSTRUCTION_ROOM = 1_500;

/** What the model's (or the digest's) summary may take at most. */
const MAX_SUMMARY_CHARS = 12_000;
/** A summary with less room than this says too little to be worth replacing anything. */
const MIN_SUMMARY_CHARS = 500;
/** The task and the current request as the summary repeats them (the kept turns may hold them whole). */
const SUMMARY_REQUEST_CHARS = 4_000;

/** The summary entry's text: the summary itself framed by the task, the current request and the plan. */
function summaryContent(state: CodeActStateValue, replaced: number, text: string, fallback = ""): string {
  return [
    `Summary of the work so far (${replaced} earlier messages were compacted${fallback ? "; written without the model" : ""}):`,
    `Task: ${cutMiddle(state.task, SUMMARY_REQUEST_CHARS)}`,
    // A follow-up's request must outlive the compaction of the entry that brought it.
    state.turn ? `Current request (turn ${state.turn + 1}): ${cutMiddle(currentRequest(state), SUMMARY_REQUEST_CHARS)}` : "",
    text,
    state.plan.length ? `Plan:\n${planText(state.plan, state.currentStep)}` : "",
  ]
    .filter(Boolean)
    .join("\n\n");
}

export interface Compaction {
  summary: Message;
  tokens: number;
  /** Model replies it took (0 when the summary was written without the model). */
  calls: number;
}

/**
 * The summary entry to append when `messages` (stored plus pending) make a request over budget;
 * undefined when within budget or when only the kept turns are left.
 */
export async function compactIfNeeded(
  ctx: NodeContext,
  state: CodeActStateValue,
  messages: Message[],
  system: string,
  config: LangGraphRunnableConfig,
  emit: EventWriter,
  vision: boolean,
): Promise<Compaction | undefined> {
  const view = activeMessages(messages);
  const before = requestChars(system, view, { cells: state.cells, limits: ctx.limits });
  if (before + INSTRUCTION_ROOM <= ctx.limits.contextTokens * CHARS_PER_TOKEN) return undefined;
  const cut = compactionCut(messages, KEEP_REPLIES);
  if (cut === undefined) return undefined;
  const replaced = view.length - (messages.length - cut);
  const rendering = { cells: state.cells, limits: ctx.limits };
  // A compaction must leave the request smaller: the summary gets fewer characters than it replaces.
  const keptChars = requestChars(system, activeMessages(messages.slice(cut)), rendering);
  // Measured with the longer header a digest gets, and the separator before the text.
  const room = before - keptChars - summaryContent(state, replaced, "", "digest").length - 3;
  if (room < MIN_SUMMARY_CHARS) return undefined;
  let text = "";
  let tokens = 0;
  let calls = 0;
  let fallback = "";
  const budget = ctx.limits.tokenBudget;
  if (budget !== undefined && state.tokens + Math.ceil(before / CHARS_PER_TOKEN) >= budget) fallback = "the token budget is nearly used up";
  else {
    try {
      // The summary request repeats the conversation as it stands, so it reuses the cached prefix.
      const chat = [...toChat(system, view, { ...rendering, vision }), new HumanMessage(prompt("compact"))];
      const reply = await callModel(ctx.models.coder, chat, config, runDeadline(state, ctx.limits), undefined, chat.length - 1);
      text = reply.text.trim();
      tokens = reply.tokens;
      calls = 1;
      if (!text) fallback = "the model's summary was empty";
    } catch (err) {
      if (err instanceof WallClockError || config.signal?.aborted) throw err;
      fallback = `the summary call failed: ${(err as Error).message.slice(0, 200)}`;
    }
  }
  if (fallback) text = digest(state.cells);
  text = cutMiddle(text, Math.min(MAX_SUMMARY_CHARS, room));
  const content = summaryContent(state, replaced, text, fallback);
  const summary: Message = { role: "user", kind: "summary", content, replaces: cut, ...(fallback ? { digest: true } : {}) };
  const after = requestChars(system, activeMessages([...messages, summary]), rendering);
  emit({ type: "compaction", replaced, kept: messages.length - cut, charsBefore: before, charsAfter: after, digest: Boolean(fallback), ...(fallback ? { reason: fallback } : {}) });
  return { summary, tokens, calls };
}
