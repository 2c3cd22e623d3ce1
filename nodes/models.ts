/**
 * Chat models per role. By default every role uses one ChatOpenAI configured from the environment
 * (OPENAI_API_KEY; OPENAI_BASE_URL for vLLM, Ollama or any OpenAI-compatible server; CODEACT_MODEL),
 * and each role may override the model name (CODEACT_PLANNER_MODEL, CODEACT_CODER_MODEL, CODEACT_CRITIC_MODEL).
 * CODEACT_MODEL_TIMEOUT (seconds, default 120) limits each attempt of a call.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";

export const ROLES = ["planner", "coder", "critic"] as const;
export type Role = (typeof ROLES)[number];
export type RoleModels = Record<Role, BaseChatModel>;

export const ModelConfigSchema = z.object({
  model: z.string().min(1).default("gpt-4o-mini"),
  baseUrl: z.string().url().optional(),
  apiKey: z.string().optional(),
  temperature: z.number().min(0).max(2).default(0),
  /** Per-role model names; absent roles use `model`. */
  roles: z.partialRecord(z.enum(ROLES), z.string().min(1)).default({}),
  /** Per attempt; the run's wall clock bounds a call with all its retries (see callModel). */
  timeoutMs: z.number().int().positive().default(120_000),
  maxRetries: z.number().int().min(0).max(5).default(2),
});
export type ModelConfig = z.input<typeof ModelConfigSchema>;

export function modelConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ModelConfig {
  const roles: Partial<Record<Role, string>> = {};
  for (const role of ROLES) {
    const name = env[`CODEACT_${role.toUpperCase()}_MODEL`];
    if (name) roles[role] = name;
  }
  const timeout = Number(env.CODEACT_MODEL_TIMEOUT);
  if (env.CODEACT_MODEL_TIMEOUT && !(timeout > 0)) throw new Error(`CODEACT_MODEL_TIMEOUT must be a number of seconds above 0, got "${env.CODEACT_MODEL_TIMEOUT}".`);
  return {
    model: env.CODEACT_MODEL ?? "gpt-4o-mini",
    baseUrl: env.OPENAI_BASE_URL || undefined,
    apiKey: env.OPENAI_API_KEY || undefined,
    roles,
    ...(env.CODEACT_MODEL_TIMEOUT ? { timeoutMs: Math.round(timeout * 1000) } : {}),
  };
}

/** True when the environment names a model endpoint (a real run is possible). */
export function hasModelEndpoint(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OPENAI_API_KEY || env.OPENAI_BASE_URL);
}

export function createRoleModels(config: ModelConfig = modelConfigFromEnv()): RoleModels {
  const c = ModelConfigSchema.parse(config);
  if (!c.apiKey && !c.baseUrl) {
    throw new Error("No model endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any OpenAI-compatible server such as vLLM or Ollama), or pass --api-key/--base-url.");
  }
  const make = (model: string) =>
    new ChatOpenAI({
      model,
      temperature: c.temperature,
      // Local servers (vLLM, Ollama) accept any key; the client insists on one being set.
      apiKey: c.apiKey ?? "not-needed",
      timeout: c.timeoutMs,
      maxRetries: c.maxRetries,
      streamUsage: true,
      configuration: c.baseUrl ? { baseURL: c.baseUrl } : undefined,
    });
  const cache = new Map<string, BaseChatModel>();
  const get = (name: string) => cache.get(name) ?? cache.set(name, make(name)).get(name)!;
  return { planner: get(c.roles.planner ?? c.model), coder: get(c.roles.coder ?? c.model), critic: get(c.roles.critic ?? c.model) };
}
