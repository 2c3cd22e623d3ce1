/**
 * Anthropic prompt-cache breakpoints. Anthropic caches nothing unless a content block carries
 * `cache_control`: the prefix up to that block is written, and a later request reads the longest
 * written prefix that ends at one of its own breakpoints or up to about 20 blocks before one. At
 * most 4 breakpoints a request. Every role's request is the coder's conversation (the shared
 * part) plus, for the planner, critic and compaction, a short instruction of its own (the tail),
 * so the breakpoints go where that conversation grows:
 * - the system prompt (stable for the run; what a request after a compaction still shares);
 * - the end of the previous request: the last entry before the newest reply (already written by
 *   the request that ended there, so it is read even past the lookback);
 * - the end of the shared conversation (written now, read by the next request of any role).
 * The tail never gets one: no later request repeats it.
 * Other providers get the messages unchanged (OpenAI caches prefixes on its own and would refuse
 * the field). @langchain/anthropic passes a text or image block's `cache_control` through as is.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";

export const MAX_BREAKPOINTS = 4;
const EPHEMERAL = { type: "ephemeral" } as const;

/** True for models whose provider reads `cache_control` (by type name: no import of the provider's package here). */
export function usesCacheBreakpoints(model: BaseChatModel): boolean {
  return model._llmType() === "anthropic";
}

/** Positions that get a breakpoint among the first `shared` messages, first to last, at most MAX_BREAKPOINTS. */
export function breakpointPositions(messages: BaseMessage[], shared = messages.length): number[] {
  const end = Math.min(shared, messages.length) - 1;
  if (end < 0) return [];
  const points = new Set<number>();
  if (messages[0]?.getType() === "system") points.add(0);
  let reply = end;
  while (reply > 0 && messages[reply]!.getType() !== "ai") reply--;
  if (reply > 0 && messages[reply - 1]) points.add(reply - 1);
  points.add(end);
  return [...points].sort((a, b) => a - b).slice(-MAX_BREAKPOINTS);
}

/** The message with `cache_control` on its last content block (a copy; the original may be memoised and shared). */
function marked(m: BaseMessage): BaseMessage {
  const blocks = typeof m.content === "string" ? [{ type: "text", text: m.content }] : (m.content as Record<string, unknown>[]);
  if (!blocks.length) return m;
  const content = [...blocks.slice(0, -1), { ...blocks[blocks.length - 1], cache_control: EPHEMERAL }];
  const type = m.getType();
  if (type === "system") return new SystemMessage({ content: content as never });
  if (type === "ai") return new AIMessage({ content: content as never });
  return new HumanMessage({ content: content as never });
}

/** `messages` as sent to `model`: with breakpoints for Anthropic (the first `shared` are the conversation), unchanged otherwise. */
export function withCacheBreakpoints(model: BaseChatModel, messages: BaseMessage[], shared = messages.length): BaseMessage[] {
  if (!usesCacheBreakpoints(model)) return messages;
  const points = new Set(breakpointPositions(messages, shared));
  return messages.map((m, i) => (points.has(i) ? marked(m) : m));
}
