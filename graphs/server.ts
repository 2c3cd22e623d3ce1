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
 *
 * Input files come with the run's input, not configurable: `{ task, inputs: [{ name, base64 }] }`
 * (graphs/inputs.ts checks every entry). The server's checkpointer has no artifact store, so their
 * bytes are kept inline in the thread's checkpoints: the operator bounds them with
 * CODEACT_INPUT_MAX_MB (per file) and CODEACT_INPUTS_MAX_MB (all of a thread's), in langgraph.json's env.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { createExecutor } from "../executors/factory";
import type { CodeExecutor } from "../executors/types";
import { createRoleModels, modelConfigFromEnv, type RoleModels } from "../nodes/models";
import { ScriptedChatModel } from "../nodes/scripted-model";
import { createCodeActGraph } from "./codeact";
import { applyPolicy, type ServerRun, serverPolicyFromEnv } from "./server-policy";

interface ThreadRuntime {
  executor: CodeExecutor;
  models: RoleModels;
  /** The model choice the models were built for: a later request choosing differently gets new ones. */
  modelKey: string;
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

async function runtimeFor(run: ServerRun): Promise<ThreadRuntime> {
  const modelKey = JSON.stringify(run.models);
  let rt = threads.get(run.threadId);
  if (!rt) {
    rt = (async () => ({
      models: modelsFor(run.models),
      modelKey,
      executor: await createExecutor({ ...run.executor, threadId: run.threadId }),
    }))();
    threads.set(run.threadId, rt);
    rt.catch(() => threads.delete(run.threadId));
  }
  const runtime = await rt;
  if (runtime.modelKey !== modelKey) Object.assign(runtime, { models: modelsFor(run.models), modelKey });
  if (runtime.idle) clearTimeout(runtime.idle);
  runtime.idle = setTimeout(() => {
    threads.delete(run.threadId);
    void runtime.executor.shutdown();
  }, IDLE_MS);
  runtime.idle.unref();
  return runtime;
}

export async function graph(config: LangGraphRunnableConfig) {
  const run = applyPolicy(config?.configurable ?? {}, serverPolicyFromEnv());
  const { models, executor } = await runtimeFor(run);
  return createCodeActGraph({ models, executor, limits: run.limits });
}
