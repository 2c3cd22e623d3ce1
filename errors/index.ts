/**
 * The one error base of codeact, at the bottom of the layers (it imports nothing from the project),
 * so that every layer can throw it and every caller (the CLI, the server, a library user) can tell
 * failures apart by a stable `code` instead of by class or message text, which may change.
 */
import { redactSecrets } from "./redact";

export { redactSecrets, urlWithoutSecrets } from "./redact";

/**
 * What kind of failure an error is. The set is closed and the names are stable: callers branch on
 * them (the CLI maps each to its exit code), so a name is never reused for another meaning.
 */
export const ERROR_CODES = [
  /** The caller asked for something invalid: a bad option, value, thread id, input or request. */
  "usage",
  /** What was named does not exist: a thread, a checkpoint, a file, a tool module. */
  "not_found",
  /** The thread's state does not allow it now: another run holds it, a turn is in progress, nothing waits. */
  "conflict",
  /** A run budget ran out (wall clock, iterations). */
  "budget",
  /** A size limit was reached: a checkpoint write, an artifact, a file read. */
  "limit",
  /** The model endpoint failed, or the model provider cannot be set up. */
  "model",
  /** The sandbox failed: the Docker engine, the kernel image, the kernel, a remote Jupyter server. */
  "sandbox",
  /** The checkpoint store failed: its file, its database, the thread's lock. */
  "store",
  /** A tool source cannot be used: a tool module or an MCP server. */
  "tool",
  /** A bug or an unexpected state in codeact itself. */
  "internal",
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

/**
 * A next step a front end words its own way (the CLI as a flag or a command, a library user as a
 * call): the library names the step, never a flag.
 */
export const NEXT_STEPS = [
  "list_threads",
  "list_checkpoints",
  "build_image",
  "set_remote_url",
  "set_postgres_url",
  "resume_thread",
  "checkpoint_file_path",
  "writable_checkpoints",
  "move_checkpoint_file",
  "start_docker",
  "set_model_endpoint",
  "resume_with_approval",
  "resume_without_answer",
  "give_input_again",
  "reach_pip_index",
  "drop_base_url",
  "set_api_key",
  "check_remote_server",
  "check_model_url",
  "choose_eval_out",
  "resume_eval",
  "give_suite_package",
] as const;

export type NextStep = (typeof NEXT_STEPS)[number];

/**
 * Settings a message can be about, each with the words that start such a message in library terms
 * ("Tool module ./t.ts: no such file"); a front end names the setting its own way (the CLI: its flag).
 */
export const SETTING_LABELS = {
  tools: "Tool module",
  mcp: "MCP config",
  trajectory_format: "The trajectory format",
  suite_package: "A suite package folder (from)",
} as const;

export type Setting = keyof typeof SETTING_LABELS;

/** The start of a message about `setting` (with its value, such as a path). */
export function settingLabel(setting: Setting, value?: string): string {
  return value === undefined ? SETTING_LABELS[setting] : `${SETTING_LABELS[setting]} ${value}`;
}

export interface CodeActErrorOptions {
  /** What to do next, in library terms; appended to the message. */
  hint?: string;
  /** The hint as a step a front end can reword (see NextStep). */
  step?: NextStep;
  /** What the step applies to (a thread id, an image name), for the front end's wording. */
  subject?: string;
  /** The setting the message is about; the message starts with its settingLabel(). */
  about?: { setting: Setting; value?: string };
  /** Between the problem and the hint in `message`: a space unless the hint reads as its own line. */
  separator?: string;
  cause?: unknown;
}

/**
 * Every error codeact throws on purpose. `message` is the whole sentence (what went wrong, then
 * what to do); `problem` and `hint` are its two halves, so a front end can reword the hint.
 *
 * @example
 * ```ts
 * try {
 *   await runCodeAct(graph, "follow-up", { threadId });
 * } catch (err) {
 *   if (err instanceof CodeActError && err.code === "conflict") console.log(err.hint);
 *   else throw err;
 * }
 * ```
 */
export class CodeActError extends Error {
  readonly code: ErrorCode;
  readonly problem: string;
  readonly hint?: string;
  readonly step?: NextStep;
  readonly subject?: string;
  readonly about?: { setting: Setting; value?: string };

  constructor(code: ErrorCode, rawProblem: string, options: CodeActErrorOptions = {}) {
    // Its text is printed, stored and traced: a credential inside a URL it quotes never gets out.
    const problem = redactSecrets(rawProblem);
    const hint = options.hint === undefined ? undefined : redactSecrets(options.hint);
    super(hint ? `${problem}${options.separator ?? " "}${hint}` : problem, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = "CodeActError";
    this.code = code;
    this.problem = problem;
    this.hint = hint;
    this.step = options.step;
    this.subject = options.subject;
    this.about = options.about;
  }
}

/** The error's code; anything not thrown on purpose (a bug, an unexpected library failure) is "internal". */
export function errorCodeOf(err: unknown): ErrorCode {
  return err instanceof CodeActError ? err.code : "internal";
}
