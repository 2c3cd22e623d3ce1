/**
 * Sub-agent settings: the profiles a run may delegate to and the limits of its whole tree of
 * agents. Part of RunSettings, so they are recorded with a thread like its model and limits, and a
 * child's settings are its parent's with its profile applied (graphs/agents/child-settings.ts).
 */
import { z } from "zod";

/** A profile's name: what delegate(agent=...) says and what the `agents` script keys use. */
export const AgentNameSchema = z.string().regex(/^[a-z][a-z0-9_-]{0,39}$/, "lowercase letters, digits, '_' or '-', starting with a letter (at most 40)");

/** What a profile (or one delegate() call) may bound for its child. */
export const AgentLimitsSchema = z
  .object({
    maxIterations: z.number().int().positive().max(10_000).optional(),
    tokenBudget: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    wallClockMs: z.number().int().positive().max(7 * 24 * 3_600_000).optional(),
    cellTimeoutMs: z.number().int().positive().max(24 * 3_600_000).optional(),
  })
  .strict();
export type AgentLimits = z.infer<typeof AgentLimitsSchema>;

export const AgentProfileSchema = z
  .object({
    name: AgentNameSchema,
    description: z.string().min(1).max(1_000),
    /** "provider:model" or a bare name for the OpenAI-compatible endpoint; absent: the parent's. */
    model: z.string().min(1).max(600).optional(),
    /** Tool modules (absolute paths once loaded); absent: the parent's. */
    tools: z.array(z.string().max(4_096)).max(100).optional(),
    /** An MCP config file (absolute once loaded); absent: the parent's. */
    mcp: z.string().max(4_096).nullable().optional(),
    limits: AgentLimitsSchema.optional(),
    /** Approval mode for this agent's actions; absent: its parent's (inherited). */
    approve: z.boolean().optional(),
    /** The Docker sandbox's limits for this agent's kernel (memoryMb, pidsLimit, cpus, workspaceMb). */
    sandbox: z.record(z.string(), z.number()).optional(),
    /** Extra instructions (the Markdown body), given to the child before its task. */
    instructions: z.string().max(20_000).default(""),
  })
  .strict();
export type AgentProfile = z.output<typeof AgentProfileSchema>;

/** Bounds on the whole tree, owned by the root: each child's share is carved from what is left. */
export const TreeLimitsSchema = z
  .object({
    /** How deep delegation may go (a root's children are depth 1). */
    maxDepth: z.number().int().min(0).max(10).default(2),
    /** Children in the whole tree, over the run. */
    maxChildren: z.number().int().min(0).max(1_000).default(32),
    /** Children running at once in the whole tree. */
    maxParallel: z.number().int().positive().max(64).default(4),
    /** Model tokens all children may use together; absent: no bound beyond each child's own. */
    tokens: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
    /** Model calls all children may make together. */
    modelCalls: z.number().int().positive().max(1_000_000).optional(),
    /** Wall time from the first delegation on; absent: none. */
    wallClockMs: z.number().int().positive().max(7 * 24 * 3_600_000).optional(),
  })
  .strict();
export type TreeLimits = z.output<typeof TreeLimitsSchema>;

export const AgentsSettingsSchema = z
  .object({
    /** Delegation is on: delegate() works and the coder is told which agents exist. */
    enabled: z.boolean().default(false),
    /** Where the profiles were read from (absolute), for messages and `resume`. */
    folder: z.string().max(4_096).nullable().default(null),
    profiles: z.array(AgentProfileSchema).max(100).default([]),
    limits: TreeLimitsSchema.prefault({}),
  })
  .strict();
export type AgentsSettings = z.output<typeof AgentsSettingsSchema>;
