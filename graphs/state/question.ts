/**
 * A question from the agent to the person: what `ask_user()` in the kernel turns into. It travels
 * as a LangGraph interrupt whose value is a QuestionRequest; the run continues when resumed with
 * `Command({ resume: "<answer>" })` (or `{ answer: "<answer>" }`, for clients that send objects).
 */
import { z } from "zod";

/** The interrupt payload (CONTRACTS.md): what a client shows and what `threads` reports as waiting. */
export interface QuestionRequest {
  kind: "ask_user";
  question: string;
  /** 0-based plan step of the action that asked. */
  step: number;
  cellId?: string;
}

/** Questions come from model-written code: a terminal, a checkpoint and a UI get a bounded one. */
export const MAX_QUESTION_CHARS = 4_000;
/** Answers come from a person or from any server caller: bounded before they reach the cell. */
export const MAX_ANSWER_CHARS = 100_000;

/** What a resume may carry. Anything else is refused and the question stays waiting (LangGraph's responseSchema). */
export const AnswerSchema = z.union([
  z.string().max(MAX_ANSWER_CHARS),
  z.object({ answer: z.string().max(MAX_ANSWER_CHARS) }),
]);

export const answerText = (resume: z.infer<typeof AnswerSchema>): string => (typeof resume === "string" ? resume : resume.answer);

export function isQuestionRequest(value: unknown): value is QuestionRequest {
  return typeof value === "object" && value !== null && (value as { kind?: unknown }).kind === "ask_user" && typeof (value as { question?: unknown }).question === "string";
}

/** The question as shown and checkpointed: cut to MAX_QUESTION_CHARS with a marker saying so. */
export function boundedQuestion(question: string): string {
  if (question.length <= MAX_QUESTION_CHARS) return question;
  return `${question.slice(0, MAX_QUESTION_CHARS)}… (${question.length - MAX_QUESTION_CHARS} more characters not shown)`;
}
