/**
 * The paper's agent: one loop, one model call per turn, no planner or critic. The conversation is
 * the prompt, then the model's replies and the observations of their actions; a correct answer
 * ends it, a wrong one is told so and the loop goes on, up to the turn limit (as M3ToolEval ran it).
 * Each turn is checkpointed, so the thread can be listed and exported like any other run.
 */
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type BaseCheckpointSaver, DeltaValue, END, type LangGraphRunnableConfig, START, StateGraph, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { CodeActError } from "../errors";
import type { CodeExecutor, ExecutionResult } from "../executors/types";
import { parseFormattedAction } from "../nodes/prompting/actions";
import { type ActionFormat, ActionFormatSchema } from "./state/settings";
import { callModel } from "../nodes/context";
import { WallClockError } from "../nodes/models/model-errors";
import { formatObservation } from "../nodes/prompting/observation";

export const PaperMessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  content: z.string(),
  /** What the message is: the prompt, a reply, an action's observation, the checker's feedback. */
  kind: z.enum(["prompt", "reply", "observation", "feedback", "invalid"]),
  /** On an observation: the action failed (an exception, an unknown tool, a timeout). */
  error: z.boolean().optional(),
});
export type PaperMessage = z.infer<typeof PaperMessageSchema>;

/** Each write is one turn's messages (a reply and its observation). */
const append = <T>(current: T[], writes: T[][]) => current.concat(...writes);

export const PaperState = new StateSchema({
  /** The task's instruction (what `codeact threads` shows). */
  task: z.string(),
  taskId: z.string().default(""),
  format: ActionFormatSchema.default("code"),
  agent: z.literal("paper").default("paper"),
  messages: new DeltaValue(z.array(PaperMessageSchema).default(() => []), { inputSchema: z.array(PaperMessageSchema), reducer: append, snapshotFrequency: 10_000 }),
  turns: z.number().int().default(0),
  tokens: z.number().int().default(0),
  startedAt: z.number().default(0),
  status: z.enum(["running", "done", "max_iterations", "wall_clock", "token_budget"]).default("running"),
  statusDetail: z.string().default(""),
  /** The last answer given, right or wrong. */
  answer: z.string().nullable().default(null),
  correct: z.boolean().default(false),
  /** A tolerant comparison (numbers within 1e-6, literals parsed), reported beside the suite's own check. */
  tolerant: z.boolean().default(false),
});
export type PaperStateValue = typeof PaperState.State;
type PaperUpdate = typeof PaperState.Update;

export interface Verdict {
  correct: boolean;
  tolerant: boolean;
}

export interface PaperGraphOptions {
  model: BaseChatModel;
  /** A kernel that already has the task's tools in its namespace (see eval/suite.ts). */
  executor: CodeExecutor;
  format: ActionFormat;
  check: (answer: string) => Promise<Verdict>;
  maxTurns?: number;
  cellTimeoutMs?: number;
  wallClockMs?: number;
  tokenBudget?: number;
  observationChars?: number;
  checkpointer?: BaseCheckpointSaver;
  /** How a reply is kept, parsed and acted on (default: this project's conventions; eval/m3-loop.ts: upstream's). */
  protocol?: PaperProtocol;
}

/** What one reply did: the messages it adds after itself and, for an answer, the checker's verdict. */
export interface PaperStep {
  messages: PaperMessage[];
  answer?: string;
  verdict?: Verdict;
}

export interface PaperProtocol {
  /** The reply as the conversation keeps it (and as `step` sees it). */
  keep(reply: string): string;
  step(kept: string): Promise<PaperStep>;
  /** A cap on each reply's tokens, as the protocol's loop set it. */
  maxTokens?: number;
}

/** The paper's reply to a wrong answer. */
export const WRONG = "Your answer is incorrect. Please try again. Note that you should ONLY output the answer (e.g., single number), without any other text.";

const toMessages = (messages: PaperMessage[]): BaseMessage[] => messages.map((m) => (m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content)));

/** Runs one JSON/text tool call in the kernel through the harness; the observation is the tool's result. */
async function callTool(executor: CodeExecutor, tool: string, args: string, convert: boolean, timeoutMs: number, limit: number): Promise<{ text: string; error: boolean }> {
  const b64 = (s: string) => JSON.stringify(Buffer.from(s, "utf8").toString("base64"));
  const code = `_ce_call(__import__("base64").b64decode(${b64(tool)}).decode("utf-8"), ${b64(args)}, ${convert ? "True" : "False"})`;
  const result = await executor.execute(code, { timeoutMs });
  const line = result.status === "ok" ? result.stdout.trim().split("\n").pop() : undefined;
  try {
    const parsed = z.object({ ok: z.boolean(), text: z.string() }).parse(JSON.parse(line ?? ""));
    return { text: parsed.text, error: !parsed.ok };
  } catch {
    return { text: formatObservation(result as ExecutionResult, limit), error: true };
  }
}

/**
 * This project's conventions: the whole reply kept, parsed by the shared action parser, observations
 * cut head and tail at `observationChars`.
 */
function ownProtocol(options: PaperGraphOptions): PaperProtocol {
  const cellTimeoutMs = options.cellTimeoutMs ?? 30_000;
  const limit = options.observationChars ?? 4_000;
  return {
    keep: (reply) => reply,
    step: async (reply) => {
      const action = parseFormattedAction(reply, options.format);
      if (action.kind === "invalid") return { messages: [{ role: "user", content: action.reason, kind: "invalid" }] };
      if (action.kind === "answer") {
        const verdict = await options.check(action.answer);
        return { answer: action.answer, verdict, messages: verdict.correct ? [] : [{ role: "user", content: WRONG, kind: "feedback" }] };
      }
      if (action.kind === "code") {
        const result = await options.executor.execute(action.code, { timeoutMs: cellTimeoutMs });
        return { messages: [{ role: "user", content: formatObservation(result, limit), kind: "observation", error: result.status !== "ok" }] };
      }
      const { text, error } = await callTool(options.executor, action.tool, action.args, action.convert, cellTimeoutMs, limit);
      return { messages: [{ role: "user", content: text, kind: "observation", error }] };
    },
  };
}

/**
 * The model with its replies capped at `maxTokens` (a copy: the caller's instance is shared). An
 * OpenAI-style model is rebuilt from its fields; a model without a cap setting is used as it is.
 */
export function withMaxTokens(model: BaseChatModel, maxTokens: number | undefined): BaseChatModel {
  if (maxTokens === undefined) return model;
  const m = model as BaseChatModel & { fields?: Record<string, unknown>; maxTokens?: number };
  if (m.fields && typeof m.fields === "object") {
    const Ctor = m.constructor as new (fields: Record<string, unknown>) => BaseChatModel;
    return new Ctor({ ...m.fields, maxTokens });
  }
  if ("maxTokens" in m) return Object.assign(Object.create(m) as BaseChatModel, { maxTokens });
  return model;
}

export function createPaperGraph(options: PaperGraphOptions) {
  const maxTurns = options.maxTurns ?? 10;
  const wallClockMs = options.wallClockMs ?? 30 * 60_000;
  const tokenBudget = options.tokenBudget ?? 2_000_000;
  const protocol = options.protocol ?? ownProtocol(options);
  const model = withMaxTokens(options.model, protocol.maxTokens);

  const turn = async (state: PaperStateValue, config: LangGraphRunnableConfig): Promise<PaperUpdate> => {
    const startedAt = state.startedAt || Date.now();
    if (state.turns >= maxTurns) return { status: "max_iterations", statusDetail: `reached the limit of ${maxTurns} turns` };
    if (state.tokens >= tokenBudget) return { status: "token_budget", statusDetail: `used ${state.tokens} tokens of a ${tokenBudget} budget` };
    let reply;
    try {
      reply = await callModel(model, toMessages(state.messages), config, { at: startedAt + wallClockMs, wallClockMs });
    } catch (err) {
      if (err instanceof WallClockError) return { status: "wall_clock", statusDetail: err.message, startedAt };
      throw err;
    }
    const kept = protocol.keep(reply.text);
    const step = await protocol.step(kept);
    const update: PaperUpdate = { turns: state.turns + 1, tokens: state.tokens + reply.tokens, startedAt };
    if (step.answer !== undefined) Object.assign(update, { answer: step.answer });
    if (step.verdict) Object.assign(update, { correct: step.verdict.correct, tolerant: step.verdict.tolerant }, step.verdict.correct ? { status: "done" } : {});
    return { ...update, messages: [{ role: "assistant", content: kept, kind: "reply" }, ...step.messages] };
  };

  return assemblePaper(turn, options.checkpointer);
}

/** The loop's one node and edges; the node is what differs between running and reading. */
function assemblePaper(turn: (state: PaperStateValue, config: LangGraphRunnableConfig) => Promise<PaperUpdate>, checkpointer?: BaseCheckpointSaver) {
  return new StateGraph(PaperState)
    .addNode("turn", turn)
    .addEdge(START, "turn")
    .addConditionalEdges("turn", (s: PaperStateValue) => (s.status === "running" ? "turn" : END), ["turn", END])
    .compile({ checkpointer, name: "codeact-paper" });
}

/**
 * The paper loop with no model, kernel or checker: its channels and edges, to read (and write) a
 * paper thread's checkpoints. Its node refuses to run.
 */
export function paperThreadGraph(saver: BaseCheckpointSaver) {
  return assemblePaper(async () => {
    throw new CodeActError("internal", "A paper thread opened for reading cannot run a turn.", { hint: "Run paper threads with createPaperGraph (a model, an executor and a checker)." });
  }, saver);
}

export type PaperGraph = ReturnType<typeof createPaperGraph>;

/** Runs one task to its end; `prompt` is the first user message (the task with its tools and format). */
export async function runPaperTask(graph: PaperGraph, input: { prompt: string; task: string; taskId: string; format: ActionFormat }, threadId: string, maxTurns: number): Promise<PaperStateValue> {
  const config = { configurable: { thread_id: threadId }, recursionLimit: maxTurns * 2 + 10, durability: "sync" as const };
  const start = { task: input.task, taskId: input.taskId, format: input.format, messages: [{ role: "user" as const, content: input.prompt, kind: "prompt" as const }] };
  let last: PaperStateValue | undefined;
  for await (const values of await graph.stream(start, { ...config, streamMode: "values" })) last = values as PaperStateValue;
  if (!last) throw new Error("the paper agent produced no state");
  return last;
}
