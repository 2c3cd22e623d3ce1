/**
 * Run limits. Each budget ends a run with its own status, never with an exception; the behaviour
 * settings choose how the agent works within them. The graph reads both as one `Limits` (with
 * approval), the shape checkpoints, thread settings records and the server's policy already hold.
 */
import { z } from "zod";

/**
 * Bounds that keep every limit meaningful. Node's timers hold at most 2^31-1 ms (24.8 days): a
 * larger delay fires at once, so an over-long cell timeout would time every cell out immediately.
 */
export const MAX_CELL_TIMEOUT_MS = 24 * 60 * 60_000;
export const MAX_WALL_CLOCK_MS = 7 * 24 * 60 * 60_000;

/** How much a run may spend. */
export const BudgetsSchema = z.object({
  /** Coder turns (model replies, malformed ones included). */
  maxIterations: z.number().int().positive().default(30),
  /** Self-debug retries per step after a failed execution; then the critic decides. */
  maxDebugAttempts: z.number().int().min(0).default(3),
  /** Malformed coder replies in a row before the run gives up on the model. */
  maxInvalidOutputs: z.number().int().positive().default(3),
  maxReplans: z.number().int().min(0).default(2),
  cellTimeoutMs: z.number().int().positive().max(MAX_CELL_TIMEOUT_MS).default(120_000),
  /**
   * Time a turn may take in all; unset, no limit (it was one hour, which a long autonomous run of a
   * slow model outlives). Each model call and each cell keeps its own timeout.
   */
  wallClockMs: z.number().int().positive().max(MAX_WALL_CLOCK_MS).optional(),
  /**
   * Model tokens a turn may use in total; unset, no limit. Compaction keeps each request within
   * `contextTokens`, so a long run's total grows with its length: a default cap (it was 2,000,000)
   * ended a 200-action run nobody had limited at action ~178.
   */
  tokenBudget: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  /** Characters of a cell's output the coder sees as observation (head and tail kept). */
  observationChars: z.number().int().positive().default(4_000),
  /** Recent cells shown to the coder in full; older ones only by their code's first line. */
  historyCells: z.number().int().positive().default(6),
  /** Past this many (estimated) tokens the conversation's older turns are compacted into a summary. */
  contextTokens: z.number().int().min(1_000).max(10_000_000).default(20_000),
});
export type Budgets = z.output<typeof BudgetsSchema>;

/** How the agent works, whatever it spends. */
export const BehaviourSchema = z.object({
  /**
   * What the coder sees: "conversation" (its replies and their observations as chat turns, append-only
   * so providers can cache the prefix) or "window" (one re-rendered prompt with the latest cells).
   */
  context: z.enum(["conversation", "window"]).default("conversation"),
  /** When the critic runs: on the coder's claims (step done, answer, retries exhausted) or after every successful action. */
  critic: z.enum(["claims", "every-action"]).default("claims"),
  /** Figures go to the coder as images (undefined: guessed from the model's name). */
  vision: z.boolean().optional(),
});
export type Behaviour = z.output<typeof BehaviourSchema>;

/** Stop before every execution for a person to approve, edit or reject the code (needs a checkpointer). */
export const ApproveSchema = z.boolean().default(false);

const b = BudgetsSchema.shape;
const h = BehaviourSchema.shape;
/** Budgets, behaviour and approval in one object, keys in the order records were always written in. */
export const LimitsSchema = z.object({
  maxIterations: b.maxIterations,
  maxDebugAttempts: b.maxDebugAttempts,
  maxInvalidOutputs: b.maxInvalidOutputs,
  maxReplans: b.maxReplans,
  cellTimeoutMs: b.cellTimeoutMs,
  wallClockMs: b.wallClockMs,
  tokenBudget: b.tokenBudget,
  observationChars: b.observationChars,
  historyCells: b.historyCells,
  context: h.context,
  contextTokens: b.contextTokens,
  critic: h.critic,
  vision: h.vision,
  approve: ApproveSchema,
});
export type Limits = z.output<typeof LimitsSchema>;
export type LimitsInput = z.input<typeof LimitsSchema>;

/** The graph's limits split into what a run may spend and how it behaves (approval on its own). */
export function splitLimits(limits: LimitsInput = {}): { budgets: Budgets; behaviour: Behaviour; approve: boolean } {
  const l = LimitsSchema.parse(limits);
  const pick = <K extends string>(keys: readonly K[]) => Object.fromEntries(keys.map((k) => [k, (l as Record<string, unknown>)[k]]).filter(([, v]) => v !== undefined));
  return {
    budgets: pick(Object.keys(b) as (keyof Budgets)[]) as Budgets,
    behaviour: pick(Object.keys(h) as (keyof Behaviour)[]) as Behaviour,
    approve: l.approve,
  };
}

/** LangGraph's recursion limit counts node runs; a coder turn costs at most three (coder, executor, critic). */
export function recursionLimitFor(limits: Limits): number {
  return limits.maxIterations * 3 + limits.maxReplans * 2 + 20;
}
