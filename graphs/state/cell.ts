/**
 * A Cell is one executed code action: the unit that the cells channel appends, that kernel
 * rehydration replays and that the notebook export turns into a code cell. What the coder saw of
 * it (the observation) is derived from `result` when needed, not stored twice.
 */
import { z } from "zod";
import { ExecutionResultSchema } from "../../executors/types";

/** A file kept in the thread's artifact store: path relative to /workspace ("outputs/report.csv"). */
export const CellFileSchema = z.object({ path: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), size: z.number().int().nonnegative() });
export type CellFile = z.infer<typeof CellFileSchema>;

export const CellSchema = z.object({
  /** Stable id (uuid); also the notebook cell id. */
  id: z.string(),
  /** Index of the plan step this action served (0-based). */
  step: z.number().int().nonnegative(),
  /** 0 for the first attempt at a step, n for the n-th self-debug retry. */
  attempt: z.number().int().nonnegative(),
  code: z.string(),
  /** True when a person edited the code in approval mode before it ran. */
  edited: z.boolean().optional(),
  /** The code as the agent proposed it, when a person edited it (absent in threads before it was recorded). */
  proposed: z.string().optional(),
  /** A person approved the action in approval mode before it ran (as proposed, or as edited). */
  approved: z.boolean().optional(),
  result: ExecutionResultSchema,
  /** Notes from the host that the agent saw with this cell (a rebuilt kernel that diverged, a rerun). */
  notes: z.array(z.string()).optional(),
  /**
   * What ask_user() asked during this cell and what the person answered, in order. A kernel rebuilt
   * from the cells (nodes/kernel/rehydrate.ts) gets these answers back instead of asking again.
   */
  answers: z.array(z.object({ question: z.string(), answer: z.string() })).optional(),
  /**
   * Files this cell left under /workspace/outputs/, new or changed since the previous collection:
   * path relative to /workspace ("outputs/report.csv"), bytes in the thread's artifact store.
   */
  files: z.array(CellFileSchema).optional(),
  startedAt: z.string(),
});
export type Cell = z.infer<typeof CellSchema>;
