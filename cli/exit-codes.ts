/**
 * The exit code of every way `codeact` can end, in one table, so that scripts can branch on the
 * kind of failure and the README can list them. Codes already in use keep their numbers: 0 a task
 * done, 2 a run stopped without an answer, 3 a run waiting for a person (cli/ask.ts), 128 + the
 * signal for a pause (cli/session.ts).
 */
import type { ErrorCode } from "../errors";

/** By error code (CodeActError.code), for failures that end the command. */
export const EXIT_CODES: Readonly<Record<ErrorCode, number>> = {
  internal: 1,
  budget: 2, // the same code as a run that stops at its budget without an answer
  usage: 4,
  not_found: 5,
  conflict: 6,
  model: 7,
  sandbox: 8,
  store: 9,
  tool: 10,
  limit: 11,
};

export const exitCodeFor = (code: ErrorCode): number => EXIT_CODES[code];
