/**
 * One entry of the coder's conversation (the CodeAct multi-turn memory). Stored as plain records
 * in an append-only channel, like cells, and turned into chat messages only when a model is called.
 * A compaction is itself an entry (kind "summary") that stands for the entries before `replaces`,
 * so earlier entries are never rewritten and a checkpoint stores only what a step added.
 */
import { z } from "zod";

export const MESSAGE_KINDS = ["task", "user", "plan", "reply", "observation", "feedback", "decision", "summary"] as const;

export const MessageSchema = z.object({
  role: z.enum(["user", "assistant"]),
  kind: z.enum(MESSAGE_KINDS),
  content: z.string(),
  /** What the entry is about: the cell id of an observation, `plan:<replans>:<step>[:<turn>]`, `turn:<n>` (a follow-up request). */
  ref: z.string().optional(),
  /** summary only: the entries at positions below this are replaced by the summary. */
  replaces: z.number().int().nonnegative().optional(),
  /** summary only: true when no model wrote it (a deterministic digest). */
  digest: z.boolean().optional(),
});
export type Message = z.infer<typeof MessageSchema>;

/** The conversation's compactions, each with how many cells had run when it happened (for exports and history). */
export function compactionsOf(messages: Message[] | undefined): { afterCells: number; summary: Message }[] {
  const out: { afterCells: number; summary: Message }[] = [];
  let cells = 0;
  for (const m of messages ?? []) {
    if (m.kind === "observation") cells++;
    else if (m.kind === "summary") out.push({ afterCells: cells, summary: m });
  }
  return out;
}
