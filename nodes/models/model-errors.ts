/**
 * Failures of a model call, named by where they came from. The OpenAI client's own messages
 * ("Connection error.", "terminated", "Unexpected end of JSON input") do not say which server was
 * being called, and a CLI that guessed from the text blamed the model for Docker or Postgres errors.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { CodeActError } from "../../errors";

export const DEFAULT_OPENAI_ENDPOINT = "https://api.openai.com/v1";

export interface ModelTarget {
  endpoint: string;
  model: string;
  timeoutMs?: number;
  /** The environment variable that sets the endpoint, for "could not reach" messages (none: only the baseUrl option). */
  urlEnv?: string;
}

/** Targets of models built by nodes/models/providers.ts: each provider's client keeps its URL differently. */
const recorded = new WeakMap<BaseChatModel, ModelTarget>();

export function recordModelTarget(model: BaseChatModel, target: ModelTarget): void {
  recorded.set(model, target);
}

/** Where a chat model sends its requests and which model it asks for (no key, ever). */
export function modelTarget(model: BaseChatModel): ModelTarget {
  const known = recorded.get(model);
  if (known) return known;
  const m = model as unknown as { clientConfig?: { baseURL?: string | null }; model?: string; timeout?: number };
  if (m.clientConfig !== undefined) {
    return { endpoint: m.clientConfig?.baseURL || DEFAULT_OPENAI_ENDPOINT, model: m.model ?? "(unknown)", timeoutMs: m.timeout, urlEnv: "OPENAI_BASE_URL" };
  }
  return { endpoint: `${model._llmType()} model`, model: m.model ?? model.getName() };
}

interface Described {
  problem: string;
  hint?: string;
  subject?: string;
}

function describe(err: unknown, { endpoint, model, timeoutMs, urlEnv }: ModelTarget, elapsedMs?: number): Described {
  const e = err as { message?: string; status?: number; name?: string; cause?: { message?: string; code?: string } };
  const msg = String(e?.message ?? err).split("\n")[0]!;
  const cause = e?.cause?.code ?? e?.cause?.message;
  const detail = cause && !msg.includes(cause) ? `${msg} ${cause}` : msg;
  // With a caller's abort signal the OpenAI client reports its own timeout as "Connection error.":
  // a connection that failed only after the whole timeout had passed timed out.
  const late = timeoutMs !== undefined && elapsedMs !== undefined && elapsedMs >= timeoutMs && /connection error/i.test(msg);
  if (late || /timed out|timeout/i.test(msg)) {
    const within = timeoutMs ? ` within ${Math.round(timeoutMs / 1000)} s` : "";
    return { problem: `The model at ${endpoint} did not answer${within} (model ${model}: ${detail}). Check the server, or allow longer with CODEACT_MODEL_TIMEOUT (seconds).` };
  }
  if (/connection error|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ECONNRESET|fetch failed/i.test(`${msg} ${cause ?? ""}`)) {
    // The library names the setting as a library user gives it; the CLI words it as its flag.
    return { problem: `Could not reach the model at ${endpoint} (${detail});`, hint: `check ${urlEnv ? `${urlEnv} or ` : ""}the baseUrl option.`, subject: urlEnv };
  }
  if (e?.name === "SyntaxError" || /JSON/.test(msg)) {
    return { problem: `The model endpoint ${endpoint} sent a reply that is not valid JSON (${detail}; model ${model}). ${urlEnv === undefined || urlEnv.startsWith("OPENAI") ? "Is it an OpenAI-compatible URL ending in /v1?" : "Is it the provider's API URL?"}` };
  }
  if (/\bterminated\b|other side closed|socket hang up/i.test(`${msg} ${cause ?? ""}`)) {
    return { problem: `The model endpoint ${endpoint} closed the connection in the middle of its reply (${detail}; model ${model}).` };
  }
  if (typeof e?.status === "number") return { problem: `The model endpoint ${endpoint} answered HTTP ${e.status} for model ${model}: ${detail}` };
  return { problem: `The call to the model at ${endpoint} (model ${model}) failed: ${detail}` };
}

/** A model call failed; the message names the endpoint and the model. */
export class ModelCallError extends CodeActError {
  readonly endpoint: string;
  readonly model: string;
  constructor(model: BaseChatModel, cause: unknown, elapsedMs?: number) {
    const t = modelTarget(model);
    const d = describe(cause, t, elapsedMs);
    super("model", d.problem, { cause, hint: d.hint, step: d.hint ? "check_model_url" : undefined, subject: d.subject });
    this.name = "ModelCallError";
    this.endpoint = t.endpoint;
    this.model = t.model;
  }
}

/** The run's wall clock ran out while a model call was waiting: the run ends, it does not fail. */
export class WallClockError extends CodeActError {
  constructor(readonly wallClockMs: number) {
    super("budget", `ran longer than the ${Math.round(wallClockMs / 1000)} s wall-clock limit (a model call was still waiting)`);
    this.name = "WallClockError";
  }
}
