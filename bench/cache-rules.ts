/**
 * How much of a run's prompt characters a provider's prompt cache could serve, under three rules,
 * from the request bodies a local fake server recorded:
 * - plain: each request's longest common prefix with any earlier request (messages only);
 * - OpenAI: the same, with the structured-output schema (`response_format`) and `tools` at the head
 *   of the prefix, as OpenAI documents: a request with another schema (or none) misses the cache of
 *   one with it;
 * - Anthropic: only prefixes ending at a `cache_control` breakpoint are written; a request reads the
 *   longest written prefix that ends at one of its breakpoints or at most 20 blocks before one (the
 *   documented lookback); more than 4 breakpoints is an error there, so it counts nothing here.
 * Characters of the provider's minimum cacheable length are not modelled (see `minimumChars`).
 */
import { createHash } from "node:crypto";
import type { AnthropicRequest } from "../tests/helpers/fake-anthropic";
import type { FakeOpenAI } from "../tests/helpers/fake-openai";
import { textOf } from "../tests/helpers/role-script";

type OpenAIRequest = FakeOpenAI["requests"][number] & { tools?: unknown[] };

/** A request as the characters a provider sees in order: each message's role and text. */
export const plainText = (r: OpenAIRequest) => r.messages.map((m) => `\u0000${m.role}\u0000${textOf(m.content)}`).join("");

/** The OpenAI prefix: the schema and tools first (they change what every message after them means to the cache). */
export const openaiText = (r: OpenAIRequest) =>
  `${r.response_format ? `\u0000format\u0000${JSON.stringify(r.response_format)}` : ""}${r.tools?.length ? `\u0000tools\u0000${JSON.stringify(r.tools)}` : ""}${plainText(r)}`;

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

export interface Fraction {
  cached: number;
  total: number;
  fraction: number;
}

const fraction = (cached: number, total: number): Fraction => ({ cached, total, fraction: total ? +(cached / total).toFixed(3) : 0 });

/**
 * Prefix caching: each text's longest common prefix with an earlier one. `minimumChars`: a shared
 * prefix shorter than this is not cached at all (OpenAI: 1,024 tokens, about 4 characters each).
 */
export function prefixFraction(texts: string[], minimumChars = 0): Fraction {
  let cached = 0;
  let total = 0;
  texts.forEach((t, i) => {
    total += t.length;
    let best = 0;
    for (let j = 0; j < i && best < t.length; j++) best = Math.max(best, commonPrefix(t, texts[j]!));
    if (best >= minimumChars) cached += best;
  });
  return fraction(cached, total);
}

interface Block {
  text: string;
  breakpoint: boolean;
}

type Content = string | ({ type: string; text?: string; cache_control?: unknown } & Record<string, unknown>)[];

function blocksOf(role: string, content: Content): Block[] {
  if (typeof content === "string") return [{ text: `\u0000${role}\u0000${content}`, breakpoint: false }];
  return content.map((b, i) => {
    // A block other than text (an image) counts by its serialised form without the marker.
    const { cache_control, ...rest } = b;
    const body = b.type === "text" ? (b.text ?? "") : JSON.stringify(rest);
    return { text: `${i === 0 ? `\u0000${role}` : ""}\u0000${body}`, breakpoint: Boolean(cache_control) };
  });
}

/** An Anthropic request as its blocks in cache order: tools, system, then each message's content. */
export function anthropicBlocks(r: AnthropicRequest): Block[] {
  const tools = ((r.tools ?? []) as Record<string, unknown>[]).map((t) => {
    const { cache_control, ...rest } = t;
    return { text: `\u0000tool\u0000${JSON.stringify(rest)}`, breakpoint: Boolean(cache_control) };
  });
  const system = r.system === undefined ? [] : blocksOf("system", r.system as Content);
  return [...tools, ...system, ...r.messages.flatMap((m) => blocksOf(m.role, m.content as Content))];
}

export const LOOKBACK = 20;
export const MAX_BREAKPOINTS = 4;

/** Anthropic's rule, request by request; also how many requests set breakpoints, and the most any set. */
export function anthropicFraction(requests: AnthropicRequest[], minimumChars = 0): Fraction & { requests_with_breakpoints: number; max_breakpoints: number } {
  const written = new Set<string>();
  let cached = 0;
  let total = 0;
  let withBreakpoints = 0;
  let most = 0;
  for (const r of requests) {
    const blocks = anthropicBlocks(r);
    // Hash of each prefix ending after block i, and its length in characters.
    const keys: string[] = [];
    const lengths: number[] = [];
    const hash = createHash("sha256");
    let chars = 0;
    for (const b of blocks) {
      hash.update(`${b.text.length}:${b.text}`);
      keys.push(hash.copy().digest("hex"));
      chars += b.text.length;
      lengths.push(chars);
    }
    total += chars;
    const points = blocks.flatMap((b, i) => (b.breakpoint ? [i] : []));
    most = Math.max(most, points.length);
    if (points.length) withBreakpoints++;
    if (points.length > MAX_BREAKPOINTS) continue; // refused by the API: nothing read, nothing written
    let best = 0;
    for (const p of points) {
      for (let q = p; q >= Math.max(0, p - LOOKBACK); q--) {
        if (written.has(keys[q]!)) {
          if (lengths[q]! >= minimumChars) best = Math.max(best, lengths[q]!);
          break;
        }
      }
    }
    cached += best;
    for (const p of points) if (lengths[p]! >= minimumChars) written.add(keys[p]!);
  }
  return { ...fraction(cached, total), requests_with_breakpoints: withBreakpoints, max_breakpoints: most };
}
