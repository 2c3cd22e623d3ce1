/** What every node needs besides state: models, the kernel, tools, limits. Held in closures, never in state. */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { ArtifactScope } from "../checkpoints/artifacts/cells";
import type { ArtifactStore } from "../checkpoints/artifacts/store";
import type { CodeExecutor } from "../executors/types";
import type { Limits } from "../graphs/state/limits";
import type { ActionFormat } from "../graphs/state/settings";
import type { ToolBridge } from "../tools/bridge";
import { withCacheBreakpoints } from "./models/cache-points";
import { ModelCallError, WallClockError } from "./models/model-errors";
import { prompt } from "./prompts";
import type { RoleModels } from "./models/models";

export interface NodeContext {
  models: RoleModels;
  executor: CodeExecutor;
  tools?: ToolBridge;
  limits: Limits;
  /** Where large cell outputs and tool records go instead of the checkpoint; none: kept inline, bounded. */
  artifacts?: ArtifactStore;
  /** How the coder acts: Python code (default), or one JSON/text tool call a turn (the paper's comparison). */
  actionFormat?: ActionFormat;
  /** ask_user() reaches a person (default). False where nobody can answer (evaluation runs). */
  askUser?: boolean;
}

export interface ModelReply {
  text: string;
  tokens: number;
}

function contentText(content: unknown): string {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((c) => (typeof c === "string" ? c : ((c as { text?: string }).text ?? ""))).join("");
  return String(content ?? "");
}

/** When the run's wall clock runs out (epoch ms), and the limit it came from. */
export interface Deadline {
  at: number;
  wallClockMs: number;
}

/** The run's deadline, if it has a wall clock; a run whose first node has not started yet starts now. */
export function runDeadline(state: { startedAt: number }, limits: Limits): Deadline | undefined {
  if (limits.wallClockMs === undefined) return undefined;
  return { at: (state.startedAt || Date.now()) + limits.wallClockMs, wallClockMs: limits.wallClockMs };
}

/**
 * One model call; the config carries callbacks so the call nests under the node in traces.
 * The call (retries included) is cut off at the run's deadline with a WallClockError; any other
 * failure becomes a ModelCallError naming the endpoint. A pause (the run's own signal) passes through.
 */
export async function callModel(
  model: BaseChatModel,
  messages: BaseMessage[],
  config?: RunnableConfig,
  deadline?: Deadline,
  /** Provider call options, such as `response_format`. */
  options?: Record<string, unknown>,
  /**
   * How many leading messages are the conversation every role's requests share; the rest is this
   * request's own instruction. Anthropic cache breakpoints are set within the shared part.
   */
  shared = messages.length,
): Promise<ModelReply> {
  const clock = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  if (deadline) {
    const left = deadline.at - Date.now();
    if (left <= 0) throw new WallClockError(deadline.wallClockMs);
    timer = setTimeout(() => clock.abort(), left);
  }
  // The run's signal (a pause) is passed on to the clock's, not combined with AbortSignal.any: that
  // costs tens of microseconds a call and keeps every combined signal alive as long as the run's.
  const run = config?.signal;
  const pause = () => clock.abort(run?.reason);
  if (run?.aborted) pause();
  else run?.addEventListener("abort", pause, { once: true });
  let reply;
  const started = Date.now();
  try {
    reply = await model.invoke(withCacheBreakpoints(model, messages, shared), { ...config, ...options, signal: clock.signal });
  } catch (err) {
    if (run?.aborted) throw err;
    if (clock.signal.aborted && deadline) throw new WallClockError(deadline.wallClockMs);
    throw err instanceof ModelCallError ? err : new ModelCallError(model, err, Date.now() - started);
  } finally {
    clearTimeout(timer);
    run?.removeEventListener("abort", pause);
  }
  const text = contentText(reply.content);
  const usage = (reply as { usage_metadata?: { total_tokens?: number } }).usage_metadata;
  return { text, tokens: usage?.total_tokens ?? Math.ceil(text.length / 4) };
}

/** The tool section of a prompt: nothing when there are no tools. */
export function toolsSection(ctx: NodeContext): string {
  const lines = ctx.tools?.signatures() ?? [];
  const tools = lines.length ? `\nPython functions that call the host's tools (already defined in the kernel; use help(name) for details):\n${lines.map((l) => `- ${l}`).join("\n")}\n` : "";
  // Sub-agents only when the run has a delegator: the list of agents is the one place the coder learns their names.
  const agents = ctx.tools?.delegation?.agents() ?? [];
  const delegation = agents.length ? `\n${prompt("delegate")}\n${agents.map((a) => `- ${a.name}: ${a.description}`).join("\n")}\n` : "";
  // Only where a person can answer: the prompt must not invite questions nobody will see.
  return ctx.askUser !== false && ctx.tools ? `${tools}${delegation}\n${prompt("ask_user")}\n` : `${tools}${delegation}`;
}

export function planText(steps: { description: string; doneCriterion: string }[], current: number): string {
  return steps
    .map((s, i) => `${i === current ? "→" : i < current ? "✓" : " "} ${i + 1}. ${s.description}${s.doneCriterion ? ` (done when: ${s.doneCriterion})` : ""}`)
    .join("\n");
}

/**
 * Where a node keeps and finds this thread's large outputs: the graph's artifact store, under the
 * thread the run is on (one graph may serve many threads). None: outputs stay inline.
 */
export function artifactScope(ctx: NodeContext, config: { configurable?: Record<string, unknown> }): ArtifactScope | undefined {
  return ctx.artifacts ? { store: ctx.artifacts, threadId: String(config.configurable?.thread_id ?? "default") } : undefined;
}
