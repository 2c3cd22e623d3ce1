/**
 * The graph as LangGraph's server (langgraph.json → `langgraph dev`, Studio, the SDK, LangGraph
 * Platform) loads it: a factory that builds the CodeAct graph from the run's `configurable`.
 * The server supplies the checkpointer. Each thread keeps its own kernel (and, for the scripted
 * provider, its own script position) across requests, and idle kernels are shut down.
 *
 * configurable (each choice only as far as the operator's policy allows: see server-policy.ts):
 *   model?, base_url?, api_key?              the model ("name" or "provider:name"); by default the
 *                                            operator's (CODEACT_MODEL, OPENAI_API_KEY, OPENAI_BASE_URL,
 *                                            or the provider's own variables such as ANTHROPIC_API_KEY)
 *   provider?: "openai" | "scripted", script?: { planner, coder, critic }
 *   executor?: "docker" | "local" | "remote", remote_url?, remote_token?   (default: docker)
 *   approve?: boolean, limits?: { maxIterations, maxDebugAttempts, cellTimeoutMs, ... } (clamped)
 *   mcp?: { mcpServers: {...} }, tools?: string[]   MCP servers and tool modules, only as the
 *                                            policy allows (default: none)
 *
 * Input files come with the run's input, not configurable: `{ task, inputs: [{ name, base64 }] }`
 * (graphs/state/inputs.ts checks every entry). The server's checkpointer has no artifact store, so their
 * bytes are kept inline in the thread's checkpoints: the operator bounds them with
 * CODEACT_INPUT_MAX_MB (per file) and CODEACT_INPUTS_MAX_MB (all of a thread's), in langgraph.json's env.
 *
 * The operator's own tools, for every thread: CODEACT_TOOLS (tool module paths, separated by ","
 * or the path delimiter) and CODEACT_MCP (an MCP config file). A thread's tools are fixed by its
 * first run: they are started with its kernel and stopped with it.
 */
import { delimiter, resolve } from "node:path";
import type { BaseCheckpointSaver, LangGraphRunnableConfig } from "@langchain/langgraph";
import type { ArtifactStore } from "../checkpoints/artifacts/store";
import { modelConfigFromEnv } from "../nodes/models/models";
import { createCodeActGraph } from "./codeact";
import { type McpConfig, readMcpConfigFile } from "../tools/mcp-config";
import { createModels, createRuntime, type Runtime, type RuntimeSecrets } from "./runtime";
import { splitLimits } from "./state/limits";
import { limitsOf, type RunSettings, RunSettingsSchema } from "./state/settings";
import { applyPolicy, PolicyError, type ServerPolicy, type ServerRun, serverPolicyFromEnv } from "./server-policy";

interface ThreadRuntime {
  runtime: Runtime;
  /** The model choice the models were built for: a later request choosing differently gets new ones. */
  modelKey: string;
  /** The tool sources the thread started with. */
  toolKey: string;
  idle?: NodeJS.Timeout;
}

const IDLE_MS = Number(process.env.CODEACT_SERVER_KERNEL_IDLE_MS ?? 15 * 60_000);
const threads = new Map<string, Promise<ThreadRuntime>>();

/** The operator's MCP servers (CODEACT_MCP) with the ones the policy let the caller add. */
function mcpFor(run: ServerRun, env: NodeJS.ProcessEnv): McpConfig | undefined {
  const mcp = env.CODEACT_MCP ? readMcpConfigFile(env.CODEACT_MCP, `CODEACT_MCP (${env.CODEACT_MCP})`) : undefined;
  if (!run.tools.mcp) return mcp;
  for (const name of Object.keys(run.tools.mcp.mcpServers)) {
    if (mcp?.mcpServers[name]) throw new PolicyError(`configurable.mcp: the server name "${name}" is taken by this server's own MCP config; choose another.`);
  }
  return { mcpServers: { ...mcp?.mcpServers, ...run.tools.mcp.mcpServers } };
}

/**
 * The server's converter: a request, after the policy, as RunSettings, with its secrets beside
 * them. The operator's model, endpoint and tool modules (CODEACT_TOOLS) fill what the caller left
 * out. The MCP servers are not settings (their headers may hold tokens): see mcpFor.
 */
export function serverRunSettings(run: ServerRun, env: NodeJS.ProcessEnv = process.env): { settings: RunSettings; secrets: RuntimeSecrets } {
  const m = run.models;
  const chosen = m.provider === "scripted" ? undefined : m;
  const operator = chosen ? modelConfigFromEnv(env, chosen.model) : { model: env.CODEACT_MODEL ?? "gpt-4o-mini" };
  const operatorModules = (env.CODEACT_TOOLS ?? "").split(new RegExp(`[,${delimiter}]`)).map((p) => p.trim()).filter(Boolean).map((p) => resolve(p));
  const settings = RunSettingsSchema.parse({
    models: { default: operator.model },
    script: m.provider === "scripted" ? m.script : null,
    endpoint: { baseUrl: chosen?.baseUrl ?? operator.baseUrl ?? null, timeoutMs: operator.timeoutMs ?? null },
    executor: { kind: run.executor.kind, remoteUrl: run.executor.remoteUrl ?? null },
    ...splitLimits(run.limits),
    tools: { modules: [...new Set([...operatorModules, ...run.tools.modules])] },
  });
  // The operator's key goes to the operator's endpoint only; a caller's endpoint gets the caller's key
  // or a placeholder, never undefined: a provider's package given no key reads the operator's
  // (ANTHROPIC_API_KEY, …) from the environment itself.
  const apiKey = chosen && !chosen.operatorEndpoint ? (chosen.apiKey ?? "no-key") : undefined;
  return { settings, secrets: { apiKey, remoteToken: run.executor.remoteToken } };
}

async function runtimeFor(run: ServerRun): Promise<{ runtime: Runtime; settings: RunSettings }> {
  const { settings, secrets } = serverRunSettings(run);
  const modelKey = JSON.stringify(run.models);
  // The operator's sources apply to threads started after they change; the caller's are fixed per thread.
  const toolKey = JSON.stringify(run.tools);
  let rt = threads.get(run.threadId);
  if (!rt) {
    rt = Promise.resolve()
      .then(() => createRuntime(settings, { threadId: run.threadId, secrets, mcp: mcpFor(run, process.env) }))
      .then((runtime) => ({ runtime, modelKey, toolKey }));
    threads.set(run.threadId, rt);
    rt.catch(() => threads.delete(run.threadId));
  }
  const thread = await rt;
  if (thread.toolKey !== toolKey) throw new PolicyError("This thread's tools (configurable.tools / configurable.mcp) were fixed by its first run; start a new thread to use others.");
  if (thread.modelKey !== modelKey) Object.assign(thread, { modelKey, runtime: { ...thread.runtime, models: createModels(settings, secrets) } });
  if (thread.idle) clearTimeout(thread.idle);
  thread.idle = setTimeout(() => {
    threads.delete(run.threadId);
    void thread.runtime.close();
  }, IDLE_MS);
  thread.idle.unref();
  return { runtime: thread.runtime, settings };
}

/** Where a server graph keeps its threads: the embedding server's own store (serve/langgraph), or none (langgraph dev supplies its checkpointer). */
export interface ServerGraphOptions {
  /** The operator's policy; default: the environment's (CODEACT_SERVER_POLICY). */
  policy?: ServerPolicy;
  checkpointer?: BaseCheckpointSaver;
  /** Large outputs and input files go here instead of inline (the CLI's artifact store). */
  artifacts?: ArtifactStore;
}

/** The CodeAct graph for one request's `configurable`, on the thread's kept runtime, within the policy. */
export async function serverGraph(configurable: Record<string, unknown>, opts: ServerGraphOptions = {}) {
  const run = applyPolicy(configurable, opts.policy ?? serverPolicyFromEnv());
  const { runtime, settings } = await runtimeFor(run);
  const { models, executor, tools } = runtime;
  const graph = createCodeActGraph({ models, executor, limits: limitsOf(settings), tools, checkpointer: opts.checkpointer, artifacts: opts.artifacts });
  // The settings the thread runs with (for its settings record) and its kernel (to stop a cell when the caller leaves).
  return Object.assign(graph, { runSettings: settings, executor });
}

/** Shuts the kept runtime (kernel, tool servers) of each given thread down, or of every thread. */
export async function closeServerRuntimes(threadIds?: string[]): Promise<void> {
  const ids = threadIds ?? [...threads.keys()];
  await Promise.all(
    ids.map(async (id) => {
      const rt = threads.get(id);
      threads.delete(id);
      const thread = await rt?.catch(() => undefined);
      if (thread?.idle) clearTimeout(thread.idle);
      await thread?.runtime.close().catch(() => undefined);
    }),
  );
}

export async function graph(config: LangGraphRunnableConfig) {
  return serverGraph(config?.configurable ?? {});
}
