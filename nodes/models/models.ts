/**
 * Chat models per role. By default every role uses one ChatOpenAI configured from the environment
 * (OPENAI_API_KEY; OPENAI_BASE_URL for vLLM, Ollama or any OpenAI-compatible server; CODEACT_MODEL),
 * and each role may override the model (CODEACT_PLANNER_MODEL, CODEACT_CODER_MODEL, CODEACT_CRITIC_MODEL).
 * A model named "provider:name" ("anthropic:claude-sonnet-4-5") uses that LangChain provider
 * (nodes/models/providers.ts); its key and URL come from its own variables (ANTHROPIC_API_KEY, …), never
 * from another provider's. A role's bare name keeps the main model's provider.
 * CODEACT_MODEL_TIMEOUT (seconds, default 120) limits each attempt of a call.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import { createProviderModel, parseModelSpec, providerUrlFromEnv } from "./providers";
import { CodeActError } from "../../errors";
import { openAIChat } from "./openai-chat";

export const ROLES = ["planner", "coder", "critic"] as const;
export type Role = (typeof ROLES)[number];
export type RoleModels = Record<Role, BaseChatModel>;

export const ModelConfigSchema = z.object({
  /** "name" (OpenAI-compatible) or "provider:name". */
  model: z.string().min(1).default("gpt-4o-mini"),
  /** The main model's provider endpoint and key (roles on the same provider share them). */
  baseUrl: z.string().url().optional(),
  apiKey: z.string().optional(),
  temperature: z.number().min(0).max(2).default(0),
  /** Per-role models ("name" on the main provider, or "provider:name"); absent roles use `model`. */
  roles: z.partialRecord(z.enum(ROLES), z.string().min(1)).default({}),
  /**
   * Endpoints of the other providers a role names (an OpenAI planner beside an Anthropic coder):
   * provider → { baseUrl, apiKey }. A provider absent here uses its package's own environment.
   */
  endpoints: z.record(z.string(), z.object({ baseUrl: z.string().url().optional(), apiKey: z.string().optional() })).default({}),
  /** Per attempt; the run's wall clock bounds a call with all its retries (see callModel). */
  timeoutMs: z.number().int().positive().default(120_000),
  maxRetries: z.number().int().min(0).max(5).default(2),
});
export type ModelConfig = z.input<typeof ModelConfigSchema>;

/**
 * The configuration the environment gives. `model` (a --model flag) replaces CODEACT_MODEL before the
 * endpoint is chosen, so OPENAI_API_KEY is never handed to an "anthropic:" model.
 */
export function modelConfigFromEnv(env: NodeJS.ProcessEnv = process.env, model?: string): ModelConfig {
  const roles: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const name = env[`CODEACT_${role.toUpperCase()}_MODEL`];
    if (name) roles[role] = name;
  }
  const timeout = Number(env.CODEACT_MODEL_TIMEOUT);
  if (env.CODEACT_MODEL_TIMEOUT && !(timeout > 0)) throw new CodeActError("usage", `CODEACT_MODEL_TIMEOUT must be a number of seconds above 0, got "${env.CODEACT_MODEL_TIMEOUT}".`);
  const name = model ?? env.CODEACT_MODEL ?? "gpt-4o-mini";
  const openai = { baseUrl: env.OPENAI_BASE_URL || undefined, apiKey: env.OPENAI_API_KEY || undefined };
  const provider = parseModelSpec(name).provider;
  return {
    model: name,
    // Other providers' packages read their own key variable; only the URL is read here, to be checked.
    ...(provider === "openai" ? openai : { baseUrl: providerUrlFromEnv(provider, env) }),
    roles,
    endpoints: provider !== "openai" && (openai.baseUrl || openai.apiKey) ? { openai } : {},
    ...(env.CODEACT_MODEL_TIMEOUT ? { timeoutMs: Math.round(timeout * 1000) } : {}),
  };
}

/** True when the environment names a model endpoint (a real run is possible). */
export function hasModelEndpoint(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.OPENAI_API_KEY || env.OPENAI_BASE_URL) return true;
  return parseModelSpec(env.CODEACT_MODEL ?? "gpt-4o-mini").provider !== "openai";
}

const NO_ENDPOINT =
  "No model endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any OpenAI-compatible server such as vLLM or Ollama), or pass --api-key/--base-url; or name another provider's model, such as --model anthropic:claude-sonnet-4-5.";

/**
 * One model per role. Models with the same provider and name are one instance. A provider's
 * package is loaded only when a role names it; a missing one is a clear "npm install …" error here,
 * before any kernel starts.
 */
export function createRoleModels(config: ModelConfig = modelConfigFromEnv()): RoleModels {
  const c = ModelConfigSchema.parse(config);
  const main = parseModelSpec(c.model);
  const endpointOf = (provider: string) => (provider === main.provider ? { baseUrl: c.baseUrl, apiKey: c.apiKey } : (c.endpoints[provider] ?? {}));
  const make = ({ provider, name }: { provider: string; name: string }): BaseChatModel => {
    const ep = endpointOf(provider);
    if (provider !== "openai") {
      return createProviderModel({ provider, name }, { ...ep, temperature: c.temperature, timeoutMs: c.timeoutMs, maxRetries: c.maxRetries });
    }
    if (!ep.apiKey && !ep.baseUrl) throw new CodeActError("model", NO_ENDPOINT);
    return openAIChat({
      model: name,
      temperature: c.temperature,
      // Local servers (vLLM, Ollama) accept any key; the client insists on one being set.
      apiKey: ep.apiKey ?? "not-needed",
      timeout: c.timeoutMs,
      maxRetries: c.maxRetries,
      streamUsage: true,
      configuration: ep.baseUrl ? { baseURL: ep.baseUrl } : undefined,
    });
  };
  const cache = new Map<string, BaseChatModel>();
  const get = (spec: string) => {
    const resolved = spec === c.model ? main : parseModelSpec(spec, main.provider);
    const key = `${resolved.provider}:${resolved.name}`;
    return cache.get(key) ?? cache.set(key, make(resolved)).get(key)!;
  };
  return { planner: get(c.roles.planner ?? c.model), coder: get(c.roles.coder ?? c.model), critic: get(c.roles.critic ?? c.model) };
}
