/**
 * One run's settings, whoever starts it: the command line (run, resume, chat), a thread's recorded
 * settings, the LangGraph server's policy, the eval harness, and next a sub-agent. Each of them
 * produces this shape (one converter each) and graphs/runtime.ts builds the run from it. Times are
 * milliseconds throughout. Never a secret: API keys, Jupyter tokens and MCP headers go to
 * createRuntime beside the settings, never in them, so settings can be logged, compared and kept.
 */
import { z } from "zod";
import type { DockerExecutorOptions } from "../../executors/docker";
import { ExecutorKindSchema } from "../../executors/kind";
import { AgentsSettingsSchema } from "./agents";
import { ApproveSchema, BehaviourSchema, BudgetsSchema, type LimitsInput } from "./limits";

export { EXECUTOR_KINDS, ExecutorKindSchema, type ExecutorKind } from "../../executors/kind";

export const ACTION_FORMATS = ["code", "json", "text"] as const;
/** How the coder writes its actions: Python code (CodeAct), or one JSON or text tool call a turn (the paper's baselines). */
export const ActionFormatSchema = z.enum(ACTION_FORMATS);
export type ActionFormat = z.infer<typeof ActionFormatSchema>;

/** "provider:name" ("anthropic:claude-sonnet-4-5"), or a bare name for the OpenAI-compatible endpoint. */
const ModelSpec = z.string().max(600);
const Url = z.string().max(2_000);
const Path = z.string().max(4_096);

/** Replies replayed by scripted models, one list per role (the offline demo, tests, bug reports). */
const RoleScriptSchema = z.object({ planner: z.array(z.string()), coder: z.array(z.string()), critic: z.array(z.string()) });
/** `agents`: each sub-agent profile's own script, replayed from its start by every child of that profile. */
export const ScriptSchema = RoleScriptSchema.extend({ agents: z.record(z.string(), RoleScriptSchema).optional() });
export type Script = z.infer<typeof ScriptSchema>;

export const RunSettingsSchema = z.object({
  models: z.object({
    /** Every role's model unless the role names its own (an absent role: $CODEACT_<ROLE>_MODEL, then this). */
    default: ModelSpec,
    planner: ModelSpec.optional(),
    coder: ModelSpec.optional(),
    critic: ModelSpec.optional(),
  }),
  /** Scripted models instead of the named ones: a trajectory file (absolute path) or the replies themselves. */
  script: z.union([Path, ScriptSchema]).nullable().default(null),
  endpoint: z
    .object({
      /** The default model's endpoint; null: its provider's variable ($OPENAI_BASE_URL, $ANTHROPIC_BASE_URL, …). */
      baseUrl: Url.nullable().default(null),
      /** Per model request attempt; null: $CODEACT_MODEL_TIMEOUT or 120 s. */
      timeoutMs: z.number().positive().max(3_600_000).nullable().default(null),
    })
    .prefault({}),
  executor: z
    .object({
      kind: ExecutorKindSchema.default("auto"),
      remoteUrl: Url.nullable().default(null),
      /** The Docker sandbox's memory, pids, CPU and workspace limits (checked by executors/docker.ts; default: its own). */
      limits: z.custom<DockerExecutorOptions["limits"]>().optional(),
    })
    .prefault({}),
  budgets: BudgetsSchema.prefault({}),
  behaviour: BehaviourSchema.prefault({}),
  approve: ApproveSchema,
  /** Tool modules (paths or package names) and an MCP config file; a config given as an object (it may hold headers) goes beside the settings. */
  tools: z.object({ modules: z.array(Path).max(100).default([]), mcp: Path.nullable().default(null) }).prefault({}),
  actionFormat: ActionFormatSchema.default("code"),
  /** Sub-agents: profiles and the tree's limits (off unless enabled). */
  agents: AgentsSettingsSchema.prefault({}),
});
export type RunSettings = z.output<typeof RunSettingsSchema>;
export type RunSettingsInput = z.input<typeof RunSettingsSchema>;

/** The graph's one `limits` object for these settings. */
export function limitsOf(settings: Pick<RunSettings, "budgets" | "behaviour" | "approve">): LimitsInput {
  return { ...settings.budgets, ...settings.behaviour, approve: settings.approve };
}
