/**
 * What a run needs besides its graph, built from its RunSettings in one order for every caller (the
 * CLI's sessions, the LangGraph server's threads, the eval harness, next sub-agents): tool sources
 * first, so a tool server that fails to start is reported before any kernel or model; then the
 * executor; then the models. A step that fails closes what the steps before it opened.
 */
import { readFileSync } from "node:fs";
import { CodeActError } from "../errors";
import { createExecutor } from "../executors/factory";
import type { CodeExecutor, StdinHandler } from "../executors/types";
import { createRoleModels, modelConfigFromEnv, ROLES, type RoleModels } from "../nodes/models/models";
import { ScriptedChatModel } from "../nodes/models/scripted-model";
import type { ToolBridge } from "../tools/bridge";
import type { McpConfig } from "../tools/mcp-config";
import { hasToolSources, type LoadedTools, loadToolSources, type ToolSourceSpec } from "../tools/sources";
import { type RunSettings, type RunSettingsInput, RunSettingsSchema, type Script, ScriptSchema } from "./state/settings";

/** What settings never hold. */
export interface RuntimeSecrets {
  /** The default model's key (default: its provider's variable, such as $OPENAI_API_KEY). */
  apiKey?: string;
  /** The remote Jupyter server's token (default $JUPYTER_TOKEN). */
  remoteToken?: string;
}

export interface RuntimeOptions {
  /** The thread the kernel serves (names the Docker container). */
  threadId?: string;
  secrets?: RuntimeSecrets;
  /** An MCP config given as an object rather than a file (a server caller's; its headers may hold tokens). */
  mcp?: McpConfig;
  /** A bridge for when the settings name no tool sources (a library caller's own tools). */
  tools?: ToolBridge;
  /** Answers the kernel in place of a tool bridge (the eval suite's prelude). */
  kernel?: StdinHandler;
  /** Models the caller built (eval's, one per task; the CLI's, checked before any store opens); else built from the settings. */
  models?: RoleModels;
  env?: NodeJS.ProcessEnv;
  /** Stops the start-up (a pause): a tool server that hangs at start is not waited for, no kernel is started after it. */
  signal?: AbortSignal;
}

export interface Runtime {
  tools?: ToolBridge;
  executor: CodeExecutor;
  models: RoleModels;
  /** Stops the kernel and the tool sources; never throws. */
  close(): Promise<void>;
}

/** Models that replay a script's replies, each role its own; `delayMs` before each reply (the demo's pace). */
export function scriptedModels(script: Script, delayMs = 0): RoleModels {
  const model = (replies: string[]) => new ScriptedChatModel({ script: replies, delayMs });
  return { planner: model(script.planner), coder: model(script.coder), critic: model(script.critic) };
}

/** The settings' models: scripted ones, or one per role on the named providers and endpoint. */
export function createModels(settings: RunSettings, secrets: RuntimeSecrets = {}, env: NodeJS.ProcessEnv = process.env): RoleModels {
  const { script, models, endpoint } = settings;
  if (typeof script === "string") return scriptedModels(ScriptSchema.parse(JSON.parse(readFileSync(script, "utf8"))));
  if (script) return scriptedModels(script);
  // The endpoint and key of the chosen model's provider: OPENAI_API_KEY never goes to an "anthropic:" model.
  const base = modelConfigFromEnv(env, models.default);
  const roles = Object.fromEntries(ROLES.flatMap((r) => (models[r] ? [[r, models[r]]] : [])));
  return createRoleModels({
    ...base,
    baseUrl: endpoint.baseUrl ?? base.baseUrl,
    apiKey: secrets.apiKey ?? base.apiKey,
    roles: { ...base.roles, ...roles },
    ...(endpoint.timeoutMs ? { timeoutMs: Math.round(endpoint.timeoutMs) } : {}),
  });
}

export async function createRuntime(input: RunSettingsInput, opts: RuntimeOptions = {}): Promise<Runtime> {
  const settings = RunSettingsSchema.parse(input);
  const spec: ToolSourceSpec = { tools: settings.tools.modules, mcp: opts.mcp ?? settings.tools.mcp ?? undefined };
  const loaded: LoadedTools | undefined = hasToolSources(spec) ? await loadToolSources(spec, [], opts.signal) : undefined;
  let executor: CodeExecutor | undefined;
  const close = async () => {
    await executor?.shutdown().catch(() => undefined);
    await loaded?.close().catch(() => undefined);
  };
  try {
    if (opts.signal?.aborted) throw new CodeActError("internal", "the start-up was stopped (the run was paused)");
    const tools = loaded?.bridge ?? opts.tools;
    const { kind, remoteUrl, limits } = settings.executor;
    executor = await createExecutor({ kind, remoteUrl: remoteUrl ?? undefined, remoteToken: opts.secrets?.remoteToken, threadId: opts.threadId, limits }, tools ?? opts.kernel);
    const models = opts.models ?? createModels(settings, opts.secrets, opts.env);
    return { tools, executor, models, close };
  } catch (err) {
    await close();
    throw err;
  }
}
