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
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { createExecutor } from "../executors/factory";
import type { CodeExecutor } from "../executors/types";
import { createRoleModels, modelConfigFromEnv, type RoleModels } from "../nodes/models/models";
import { ScriptedChatModel } from "../nodes/models/scripted-model";
import { createCodeActGraph } from "./codeact";
import { readMcpConfigFile } from "../tools/mcp-config";
import { hasToolSources, type LoadedTools, loadToolSources, type ToolSourceSpec } from "../tools/sources";
import { applyPolicy, PolicyError, type ServerRun, serverPolicyFromEnv } from "./server-policy";

interface ThreadRuntime {
  executor: CodeExecutor;
  models: RoleModels;
  /** The model choice the models were built for: a later request choosing differently gets new ones. */
  modelKey: string;
  tools?: LoadedTools;
  /** The tool sources the thread started with. */
  toolKey: string;
  idle?: NodeJS.Timeout;
}

const IDLE_MS = Number(process.env.CODEACT_SERVER_KERNEL_IDLE_MS ?? 15 * 60_000);
const threads = new Map<string, Promise<ThreadRuntime>>();

function modelsFor(m: ServerRun["models"]): RoleModels {
  if (m.provider === "scripted") {
    return {
      planner: new ScriptedChatModel({ script: m.script.planner }),
      coder: new ScriptedChatModel({ script: m.script.coder }),
      critic: new ScriptedChatModel({ script: m.script.critic }),
    };
  }
  // The endpoint and key of the chosen model's provider: OPENAI_API_KEY never goes to an "anthropic:" model.
  const env = modelConfigFromEnv(process.env, m.model);
  // The operator's key goes to the operator's endpoint only; a caller's endpoint gets the caller's key
  // or a placeholder, never undefined: a provider's package given no key reads the operator's
  // (ANTHROPIC_API_KEY, …) from the environment itself.
  return createRoleModels({ ...env, model: m.model ?? env.model, baseUrl: m.baseUrl ?? env.baseUrl, apiKey: m.operatorEndpoint ? env.apiKey : (m.apiKey ?? "no-key") });
}

/** The operator's tool sources (CODEACT_TOOLS, CODEACT_MCP) with the ones the policy let the caller add. */
function toolSpec(run: ServerRun, env: NodeJS.ProcessEnv = process.env): ToolSourceSpec {
  const operatorModules = (env.CODEACT_TOOLS ?? "").split(new RegExp(`[,${delimiter}]`)).map((p) => p.trim()).filter(Boolean).map((p) => resolve(p));
  const mcp = env.CODEACT_MCP ? readMcpConfigFile(env.CODEACT_MCP, `CODEACT_MCP (${env.CODEACT_MCP})`) : undefined;
  let merged = mcp;
  if (run.tools.mcp) {
    for (const name of Object.keys(run.tools.mcp.mcpServers)) {
      if (mcp?.mcpServers[name]) throw new PolicyError(`configurable.mcp: the server name "${name}" is taken by this server's own MCP config; choose another.`);
    }
    merged = { mcpServers: { ...mcp?.mcpServers, ...run.tools.mcp.mcpServers } };
  }
  return { tools: [...new Set([...operatorModules, ...run.tools.modules])], mcp: merged };
}

async function runtimeFor(run: ServerRun): Promise<ThreadRuntime> {
  const modelKey = JSON.stringify(run.models);
  // The operator's sources apply to threads started after they change; the caller's are fixed per thread.
  const toolKey = JSON.stringify(run.tools);
  let rt = threads.get(run.threadId);
  if (!rt) {
    rt = (async () => {
      const spec = toolSpec(run);
      // Tool sources first: a tool server that fails to start is reported before any model call.
      const tools = hasToolSources(spec) ? await loadToolSources(spec) : undefined;
      try {
        return { models: modelsFor(run.models), modelKey, tools, toolKey, executor: await createExecutor({ ...run.executor, threadId: run.threadId }, tools?.bridge) };
      } catch (err) {
        await tools?.close();
        throw err;
      }
    })();
    threads.set(run.threadId, rt);
    rt.catch(() => threads.delete(run.threadId));
  }
  const runtime = await rt;
  if (runtime.toolKey !== toolKey) throw new PolicyError("This thread's tools (configurable.tools / configurable.mcp) were fixed by its first run; start a new thread to use others.");
  if (runtime.modelKey !== modelKey) Object.assign(runtime, { models: modelsFor(run.models), modelKey });
  if (runtime.idle) clearTimeout(runtime.idle);
  runtime.idle = setTimeout(() => {
    threads.delete(run.threadId);
    void runtime.executor.shutdown();
    void runtime.tools?.close();
  }, IDLE_MS);
  runtime.idle.unref();
  return runtime;
}

export async function graph(config: LangGraphRunnableConfig) {
  const run = applyPolicy(config?.configurable ?? {}, serverPolicyFromEnv());
  const { models, executor, tools } = await runtimeFor(run);
  return createCodeActGraph({ models, executor, limits: run.limits, tools: tools?.bridge });
}
