/**
 * The graph as LangGraph's server (langgraph.json → `langgraph dev`, Studio, the SDK, LangGraph
 * Platform) loads it: a factory that builds the CodeAct graph from the run's `configurable`.
 * The server supplies the checkpointer. Each thread keeps its own kernel (and, for the scripted
 * provider, its own script position) across requests, and idle kernels are shut down.
 *
 * configurable: {
 *   provider?: "openai" | "scripted",           // scripted: replies from `script` (tests, demos)
 *   script?: { planner: string[], coder: string[], critic: string[] },
 *   model?, base_url?,                           // openai provider (key from OPENAI_API_KEY)
 *   executor?: "auto" | "docker" | "local" | "remote", remote_url?, remote_token?,
 *   approve?: boolean, limits?: { maxIterations, maxDebugAttempts, cellTimeoutMs, ... }
 * }
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { createExecutor } from "../executors/factory";
import type { CodeExecutor } from "../executors/types";
import { createRoleModels, modelConfigFromEnv, type RoleModels } from "../nodes/models";
import { ScriptedChatModel } from "../nodes/scripted-model";
import { createCodeActGraph } from "./codeact";
import { LimitsSchema } from "./limits";

const ServerConfigSchema = z.object({
  thread_id: z.string().default("default"),
  provider: z.enum(["openai", "scripted"]).default("openai"),
  script: z.object({ planner: z.array(z.string()), coder: z.array(z.string()), critic: z.array(z.string()) }).optional(),
  model: z.string().optional(),
  base_url: z.string().optional(),
  executor: z.enum(["auto", "docker", "local", "remote"]).default("auto"),
  remote_url: z.string().optional(),
  remote_token: z.string().optional(),
  approve: z.boolean().default(false),
  limits: LimitsSchema.partial().default({}),
});

interface ThreadRuntime {
  executor: CodeExecutor;
  models: RoleModels;
  idle?: NodeJS.Timeout;
}

const IDLE_MS = Number(process.env.CODEACT_SERVER_KERNEL_IDLE_MS ?? 15 * 60_000);
const threads = new Map<string, Promise<ThreadRuntime>>();

function modelsFor(c: z.output<typeof ServerConfigSchema>): RoleModels {
  if (c.provider === "scripted") {
    if (!c.script) throw new Error('provider "scripted" needs configurable.script = { planner, coder, critic }');
    return {
      planner: new ScriptedChatModel({ script: c.script.planner }),
      coder: new ScriptedChatModel({ script: c.script.coder }),
      critic: new ScriptedChatModel({ script: c.script.critic }),
    };
  }
  const env = modelConfigFromEnv();
  return createRoleModels({ ...env, model: c.model ?? env.model, baseUrl: c.base_url ?? env.baseUrl });
}

async function runtimeFor(c: z.output<typeof ServerConfigSchema>): Promise<ThreadRuntime> {
  let rt = threads.get(c.thread_id);
  if (!rt) {
    rt = (async () => ({
      models: modelsFor(c),
      executor: await createExecutor({ kind: c.executor, remoteUrl: c.remote_url, remoteToken: c.remote_token, threadId: c.thread_id }),
    }))();
    threads.set(c.thread_id, rt);
    rt.catch(() => threads.delete(c.thread_id));
  }
  const runtime = await rt;
  if (runtime.idle) clearTimeout(runtime.idle);
  runtime.idle = setTimeout(() => {
    threads.delete(c.thread_id);
    void runtime.executor.shutdown();
  }, IDLE_MS);
  runtime.idle.unref();
  return runtime;
}

export async function graph(config: LangGraphRunnableConfig) {
  const c = ServerConfigSchema.parse(config?.configurable ?? {});
  const { models, executor } = await runtimeFor(c);
  return createCodeActGraph({ models, executor, limits: { ...c.limits, approve: c.approve } });
}
