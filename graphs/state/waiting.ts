/**
 * Sub-agents waiting for a person: the interrupt a parent's delegating cell stops with when one or
 * more of its children (at any depth) wait at an ask_user() question or an approval, and the resume
 * value that answers them. The parent's interrupt lists every waiting descendant by thread id and by
 * the id of its own pending interrupt; an answer keyed by that interrupt id (or, for the listing
 * just shown, by the thread id) goes to that child, then the child goes on, then the parent.
 */
import { z } from "zod";
import { type QuestionRequest } from "./question";
import type { ApprovalRequest } from "./state";

/** One descendant waiting for a person. */
export interface WaitingChild {
  /** Its thread id (`<parent>.<cell>.<index>`, deeper ones longer). */
  thread: string;
  /** Its profile's name. */
  agent: string;
  /** The id of the child thread's own pending interrupt: an answer keyed by it is for this question only. */
  interruptId: string;
  request: QuestionRequest | ApprovalRequest;
}

/** The parent's interrupt value. */
export interface ChildrenWaiting {
  kind: "children_waiting";
  /** 0-based plan step of the parent's delegating action. */
  step: number;
  children: WaitingChild[];
}

export function isChildrenWaiting(value: unknown): value is ChildrenWaiting {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "children_waiting" && Array.isArray((value as { children?: unknown }).children);
}

/**
 * What resumes a parent waiting for children: per waiting child (key: its interrupt id, or its
 * thread id), an answer (a string or `{ answer }`) or an approval decision. Checked again, with the
 * schema of what the child waits for, when it reaches the child.
 */
export const ChildrenAnswersSchema = z.object({ children: z.record(z.string().min(1).max(200), z.unknown()) }).strict();
export type ChildrenAnswers = z.infer<typeof ChildrenAnswersSchema>;

export const isChildrenAnswers = (value: unknown): value is ChildrenAnswers => ChildrenAnswersSchema.safeParse(value).success;

/** How a waiting child is shown to a person: its profile and thread, then what it waits for. */
export function waitingLabel(c: Pick<WaitingChild, "agent" | "thread">): string {
  return `sub-agent ${c.agent} (thread ${c.thread})`;
}
