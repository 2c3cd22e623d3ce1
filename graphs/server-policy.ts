/**
 * What a LangGraph server caller may choose, decided by the operator. A caller's `configurable` is
 * untrusted: left to it, a caller could point the model at its own server (and receive the
 * operator's API key), run code unsandboxed on the server (executor "local"), or pick the scripted
 * model. By default a caller chooses none of that; the operator opens choices with a JSON policy in
 * CODEACT_SERVER_POLICY, or in a file named by CODEACT_SERVER_POLICY_FILE (langgraph.json's "env"
 * can set either):
 *
 *   {
 *     "models": ["gpt-4o-mini", "anthropic:claude-sonnet-4-5"],
 *                                               models a caller may pick, "provider:name" for another
 *                                               LangChain provider (its package installed) (default: none)
 *     "baseUrls": ["http://vllm:8000/v1"],      endpoints a caller may pick, or ["*"] (default: none);
 *                                               no key of the server's (OPENAI_API_KEY, ANTHROPIC_API_KEY,
 *                                               …) is ever sent to them, only the caller's own configurable.api_key
 *     "executors": ["docker", "remote"],        allowed executors, the first is the default (default: ["docker"])
 *     "remoteUrls": ["http://gateway:8888"],    Jupyter servers a caller may pick for "remote" (the
 *                                               server's JUPYTER_TOKEN is never sent to them)
 *     "scripted": true,                          allow provider "scripted" (tests, demos)
 *     "limits": { "maxIterations": 50, ... }     maxima; a caller's limits are clamped to them
 *     "mcp": { "urls": ["https://mcp.example/mcp"], "stdio": false }
 *                                               MCP servers a caller may name in configurable.mcp:
 *                                               streamable HTTP URLs (or ["*"]), and whether stdio
 *                                               servers, commands run on this server, are allowed
 *                                               (default: none, and never stdio)
 *     "toolModules": ["/srv/tools/search.ts"]  tool modules a caller may name in configurable.tools
 *   }
 *
 * A caller asking for something the policy does not allow is refused with an error naming it, never
 * silently served something else.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { z } from "zod";
import { ThreadIdSchema } from "../checkpoints/thread-id";
import { parseModelSpec, providerUrlFromEnv } from "../nodes/models/providers";
import { type McpConfig, parseMcpConfig } from "../tools/mcp-config";
import { LimitsSchema, type LimitsInput } from "./state/limits";
import { ExecutorKindSchema } from "./state/settings";
import { CodeActError } from "../errors";

/** "auto" is a caller's word for the policy's first executor, never one the policy lists. */
const EXECUTORS = ExecutorKindSchema.exclude(["auto"]);
/** Limits that are a caller's choice, not a number the policy caps. */
const CHOICES = ["approve", "context", "critic", "vision"] as const;
type NumericLimit = Exclude<keyof LimitsInput, (typeof CHOICES)[number]>;
const NUMERIC_LIMITS = Object.keys(LimitsSchema.shape).filter((k) => !(CHOICES as readonly string[]).includes(k)) as NumericLimit[];

export const ServerPolicySchema = z
  .object({
    models: z.array(z.string().min(1)).default([]),
    baseUrls: z.array(z.string().min(1)).default([]),
    executors: z.array(EXECUTORS).min(1).default(["docker"]),
    remoteUrls: z.array(z.string().url()).default([]),
    scripted: z.boolean().default(false),
    limits: LimitsSchema.omit({ approve: true }).partial().default({}),
    mcp: z.object({ urls: z.array(z.string().min(1)).default([]), stdio: z.boolean().default(false) }).strict().default({ urls: [], stdio: false }),
    toolModules: z.array(z.string().min(1)).default([]),
  })
  .strict();
export type ServerPolicy = z.output<typeof ServerPolicySchema>;


/** The caller-facing fields of `configurable`; anything else there belongs to the server itself. */
const CallerConfigSchema = z.object({
  // No thread (a stateless run): a kernel of its own, never one shared with other callers.
  thread_id: ThreadIdSchema.default(() => `stateless-${randomUUID()}`),
  provider: z.enum(["openai", "scripted"]).default("openai"),
  script: z.object({ planner: z.array(z.string()), coder: z.array(z.string()), critic: z.array(z.string()) }).optional(),
  model: z.string().min(1).optional(),
  base_url: z.string().url().optional(),
  api_key: z.string().min(1).optional(),
  executor: ExecutorKindSchema.optional(),
  remote_url: z.string().url().optional(),
  remote_token: z.string().optional(),
  approve: z.boolean().default(false),
  limits: LimitsSchema.omit({ approve: true }).partial().default({}),
  mcp: z.unknown().optional(),
  tools: z.array(z.string().min(1)).max(32).optional(),
});

/** What the server runs for a request, after the policy has been applied. */
export interface ServerRun {
  threadId: string;
  models:
    | { provider: "scripted"; script: { planner: string[]; coder: string[]; critic: string[] } }
    | { provider: "openai"; model?: string; baseUrl?: string; apiKey?: string; operatorEndpoint: boolean };
  executor: { kind: z.infer<typeof EXECUTORS>; remoteUrl?: string; remoteToken?: string };
  limits: LimitsInput;
  /** Tool sources the caller chose (checked against the policy); the operator's own come from CODEACT_TOOLS / CODEACT_MCP. */
  tools: { modules: string[]; mcp?: McpConfig };
}

export class PolicyError extends CodeActError {
  constructor(message: string) {
    super("usage", message);
    this.name = "PolicyError";
  }
}

let cached: { source: string; policy: ServerPolicy } | undefined;

/** The operator's policy from the environment (re-read when it changes). */
export function serverPolicyFromEnv(env: NodeJS.ProcessEnv = process.env): ServerPolicy {
  const file = env.CODEACT_SERVER_POLICY_FILE;
  let where = "CODEACT_SERVER_POLICY";
  let source = env.CODEACT_SERVER_POLICY ?? "";
  if (file) {
    where = `CODEACT_SERVER_POLICY_FILE (${file})`;
    try {
      source = readFileSync(file, "utf8");
    } catch (err) {
      throw new PolicyError(`Cannot read the server policy file named by ${where}: ${(err as Error).message}`);
    }
  }
  if (cached?.source === source) return cached.policy;
  let raw: unknown = {};
  try {
    if (source.trim()) raw = JSON.parse(source);
  } catch (err) {
    throw new PolicyError(`The server policy in ${where} is not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ServerPolicySchema.safeParse(raw);
  if (!parsed.success) throw new PolicyError(`The server policy in ${where} is not valid: ${issues(parsed.error)}`);
  cached = { source, policy: parsed.data };
  return parsed.data;
}

function issues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
}

const sameUrl = (a: string, b: string) => a.replace(/\/+$/, "") === b.replace(/\/+$/, "");

function refuse(what: string, allowed: string): never {
  throw new PolicyError(`This server does not let callers set ${what} (${allowed}). Ask its operator to allow it in CODEACT_SERVER_POLICY.`);
}

/** Applies the policy to a caller's configurable: the run to serve, or a PolicyError saying what was refused. */
export function applyPolicy(configurable: Record<string, unknown>, policy: ServerPolicy, env: NodeJS.ProcessEnv = process.env): ServerRun {
  const parsed = CallerConfigSchema.safeParse(configurable);
  if (!parsed.success) throw new PolicyError(`Invalid configurable: ${issues(parsed.error)}`);
  const c = parsed.data;

  let models: ServerRun["models"];
  if (c.provider === "scripted") {
    if (!policy.scripted) refuse('provider "scripted"', "the server's own model is used");
    if (!c.script) throw new PolicyError('provider "scripted" needs configurable.script = { planner, coder, critic }');
    models = { provider: "scripted", script: c.script };
  } else {
    if (c.script) throw new PolicyError('configurable.script is only read with provider "scripted".');
    const operatorModel = env.CODEACT_MODEL ?? "gpt-4o-mini";
    if (c.model !== undefined && c.model !== operatorModel && !policy.models.includes(c.model)) {
      refuse(`model "${c.model}"`, policy.models.length ? `allowed: ${policy.models.join(", ")}` : "the operator's model is used");
    }
    if (c.base_url !== undefined && !policy.baseUrls.some((u) => u === "*" || sameUrl(u, c.base_url!))) {
      refuse("base_url", policy.baseUrls.length ? `allowed: ${policy.baseUrls.join(", ")}` : "the operator's endpoint is used");
    }
    if (c.api_key !== undefined && c.base_url === undefined) throw new PolicyError("configurable.api_key is only accepted together with a base_url the policy allows.");
    // The operator's endpoint for the chosen model's provider (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, …).
    const operatorUrl = providerUrlFromEnv(parseModelSpec(c.model ?? operatorModel).provider, env);
    // The operator's key goes only to the operator's endpoint; a caller's endpoint gets the caller's key or none.
    const operatorEndpoint = c.base_url === undefined || (operatorUrl !== undefined && sameUrl(operatorUrl, c.base_url));
    models = { provider: "openai", model: c.model, baseUrl: c.base_url, apiKey: operatorEndpoint ? undefined : c.api_key, operatorEndpoint };
  }

  const kind = c.executor === undefined || c.executor === "auto" ? policy.executors[0]! : c.executor;
  if (!policy.executors.includes(kind)) refuse(`executor "${c.executor}"`, `allowed: ${policy.executors.join(", ")}`);
  if ((c.remote_url !== undefined || c.remote_token !== undefined) && kind !== "remote") throw new PolicyError('configurable.remote_url / remote_token are only read with executor "remote".');
  if (c.remote_url !== undefined && !policy.remoteUrls.some((u) => sameUrl(u, c.remote_url!))) {
    refuse("remote_url", policy.remoteUrls.length ? `allowed: ${policy.remoteUrls.join(", ")}` : "none allowed");
  }
  // A caller-chosen Jupyter server never receives the server's JUPYTER_TOKEN.
  let executor: ServerRun["executor"] = { kind };
  if (kind === "remote") {
    if (c.remote_url !== undefined) executor = { kind, remoteUrl: c.remote_url, remoteToken: c.remote_token ?? "" };
    else if (policy.remoteUrls[0]) executor = { kind, remoteUrl: policy.remoteUrls[0] }; // the operator's server, with JUPYTER_TOKEN
    else throw new PolicyError('executor "remote" needs a Jupyter server: the operator lists it first in the policy\'s remoteUrls.');
  }

  const maxima = LimitsSchema.parse(policy.limits);
  const limits: LimitsInput = { approve: c.approve, context: c.limits.context, critic: c.limits.critic, vision: c.limits.vision };
  for (const key of NUMERIC_LIMITS) {
    const max = maxima[key] as number | undefined;
    const asked = c.limits[key] as number | undefined;
    // A limit with no default (tokenBudget) that the policy leaves unset: the caller's, if any.
    limits[key] = max === undefined ? asked : Math.min(asked ?? max, max);
  }
  return { threadId: c.thread_id, models, executor, limits, tools: callerTools(c.tools, c.mcp, policy) };
}

/** A caller's tool modules and MCP servers, each allowed by name or refused: a stdio server is a command run on this server. */
function callerTools(modules: string[] | undefined, mcp: unknown, policy: ServerPolicy): ServerRun["tools"] {
  for (const m of modules ?? []) {
    if (!policy.toolModules.includes(m)) refuse(`tool module "${m}"`, policy.toolModules.length ? `allowed: ${policy.toolModules.join(", ")}` : "none allowed");
  }
  if (mcp === undefined) return { modules: modules ?? [] };
  let config: McpConfig;
  try {
    config = parseMcpConfig(mcp, "configurable.mcp");
  } catch (err) {
    throw new PolicyError((err as Error).message);
  }
  for (const [name, server] of Object.entries(config.mcpServers)) {
    if ("command" in server) {
      if (!policy.mcp.stdio) refuse(`MCP server "${name}": a stdio server (its command would run on this server)`, "only streamable HTTP servers the operator lists");
    } else if (!policy.mcp.urls.some((u) => u === "*" || sameUrl(u, server.url))) {
      refuse(`MCP server "${name}" at ${server.url}`, policy.mcp.urls.length ? `allowed: ${policy.mcp.urls.join(", ")}` : "none allowed");
    }
  }
  return { modules: modules ?? [], mcp: config };
}
