/**
 * Thread ids come from users, scripts and server callers, and end up in file names (plots, exports),
 * container labels and messages. One rule for all of them, checked before any of those is built.
 */
import { z } from "zod";
import { CodeActError } from "../errors";

/** Letters, digits, '.', '_' and '-'; not starting with '.' or '-' (no hidden files, no flags); ≤128. */
const THREAD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export class InvalidThreadIdError extends CodeActError {
  constructor(id: string) {
    const shown = JSON.stringify(id.length > 80 ? `${id.slice(0, 80)}…` : id);
    super("usage", `Invalid thread id ${shown}: use letters, digits, '.', '_' or '-' (max 128), not starting with '.' or '-'.`);
    this.name = "InvalidThreadIdError";
  }
}

export function isValidThreadId(id: unknown): id is string {
  return typeof id === "string" && THREAD_ID.test(id) && !id.includes("..");
}

/** Returns `id` when it is safe to use in a path or label; throws a clear error otherwise. */
export function checkThreadId(id: string): string {
  if (!isValidThreadId(id)) throw new InvalidThreadIdError(String(id));
  return id;
}

/** For zod schemas at boundaries (server configurable, settings files). */
export const ThreadIdSchema = z.string().refine(isValidThreadId, {
  message: "thread id: use letters, digits, '.', '_' or '-' (max 128), not starting with '.' or '-'",
});
