/**
 * JSON replies from the planner and critic. A model that supports it (ChatOpenAI, any
 * OpenAI-compatible server) may be asked with the provider's structured output (a JSON schema in
 * `response_format`); a server that refuses that gets the text-JSON path from then on. A request
 * that shares the coder's conversation is asked in text (`structured: false`): OpenAI counts the
 * schema as part of the cached prefix, so a request with one misses the coder's cache. Replies are
 * parsed with zod, with one repair round when malformed, then a safe fallback so a bad reply never
 * ends a run. The reply is read here in every case, never by the provider client's own JSON parse
 * (nodes/models/openai-chat.ts): a reply a person would read as the right JSON is used.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { callModel, type Deadline } from "../context";
import { ModelCallError } from "./model-errors";
import { extractJson } from "../prompting/parse";

/** Models whose server refused `response_format` once: asked in plain text from then on. */
const refused = new WeakSet<BaseChatModel>();

function responseFormat(schema: z.ZodType, name: string) {
  // Providers want the bare schema object; the "$schema" dialect marker is not part of their format.
  const { $schema: _dialect, ...json } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return { type: "json_schema", json_schema: { name, schema: json, strict: false } };
}

/** A refusal of the request itself (HTTP 400/422: unknown or unsupported field), not a failing server. */
function refusesFormat(err: unknown): boolean {
  const status = (err instanceof ModelCallError ? (err.cause as { status?: number } | undefined) : (err as { status?: number }))?.status;
  return status === 400 || status === 422;
}

export async function askForJson<S extends z.ZodType>(
  model: BaseChatModel,
  messages: BaseMessage[],
  schema: S,
  fallback: () => z.output<S>,
  config?: RunnableConfig,
  deadline?: Deadline,
  name = "reply",
  /** Who is asked ("planner", "critic"), for the problem told when the fallback is used. */
  role = "model",
  /**
   * structured: may use `response_format` (default true). shared: how many leading messages are
   * the conversation shared with the coder (see callModel); the rest is this request's instruction.
   */
  options: { structured?: boolean; shared?: number } = {},
): Promise<{ value: z.output<S>; tokens: number; calls: number; repaired: boolean; fellBack: boolean; structured: boolean; problem?: string }> {
  let tokens = 0;
  let calls = 0;
  let convo = messages;
  // By its type name, not instanceof: importing @langchain/openai here would load the OpenAI client
  // into every command that builds the graph (`codeact history` reads through it).
  let structured = options.structured !== false && model._llmType() === "openai" && !refused.has(model);
  const shared = options.shared ?? messages.length;
  let last = "";
  let lastProblem = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    let reply;
    try {
      reply = await callModel(model, convo, config, deadline, structured ? { response_format: responseFormat(schema, name) } : undefined, shared);
    } catch (err) {
      if (!structured || !refusesFormat(err)) throw err;
      refused.add(model);
      structured = false;
      reply = await callModel(model, convo, config, deadline, undefined, shared);
    }
    tokens += reply.tokens;
    calls++;
    let problem: string;
    last = reply.text;
    try {
      const parsed = schema.safeParse(extractJson(reply.text));
      if (parsed.success) return { value: parsed.data, tokens, calls, repaired: attempt > 0, fellBack: false, structured };
      problem = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    } catch (err) {
      problem = (err as Error).message;
    }
    lastProblem = problem;
    convo = [...convo, new AIMessage(reply.text), new HumanMessage(`That reply could not be used (${problem}). Reply again with the JSON object only.`)];
  }
  const start = last.length > 200 ? `${last.slice(0, 200)}…` : last;
  const problem = `The ${role}'s reply could not be read as its JSON ${name} after one repair request (${lastProblem}); it began: ${JSON.stringify(start)}`;
  return { value: fallback(), tokens, calls, repaired: false, fellBack: true, structured, problem };
}
