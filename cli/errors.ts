/**
 * How a failure that ends `codeact` is shown and what it exits with. The library words its hints
 * in library terms (a call, an option); here they become the flag or command a person types.
 */
import { CodeActError, type ErrorCode, errorCodeOf, type NextStep, redactSecrets } from "../errors";
import { exitCodeFor } from "./exit-codes";

/** The CLI's whole line for an error whose next step it words itself. */
const CLI_WORDING: Readonly<Record<NextStep, (err: CodeActError) => string>> = {
  list_threads: (e) => `${e.problem} \`codeact threads\` lists the runs.`,
  list_checkpoints: (e) => `${e.problem} \`codeact history ${e.subject ?? "<thread>"}\` lists them.`,
  build_image: (e) => `${e.problem} Build it with \`npx codeact image build\` (or \`npm run setup\`).`,
  set_remote_url: () => "--executor remote needs --remote-url (a Jupyter Server, Kernel Gateway or Enterprise Gateway URL).",
  set_postgres_url: (e) => `${e.problem} set CODEACT_POSTGRES_URL (or DATABASE_URL) or pass --postgres.`,
  resume_thread: (e) => `${e.problem} Resume it first (codeact resume ${e.subject ?? "<thread>"}), then send the follow-up.`,
  checkpoint_file_path: (e) => `${e.problem} Pass a file path to --checkpoints (e.g. ${e.subject}), or set CODEACT_HOME to the directory.`,
  writable_checkpoints: (e) =>
    `${e.problem} Runs, resumes and branches write checkpoints: point --checkpoints or CODEACT_HOME at a writable place. Reading commands (threads, history, export) still work on this file.`,
  move_checkpoint_file: (e) => `${e.problem} Move it away or point CODEACT_HOME (or --checkpoints) elsewhere; codeact will not overwrite it.`,
};

const isZodError = (err: unknown): boolean => (err as Error | null)?.name === "ZodError";
/** commander's own refusals (unknown option, missing argument), thrown through exitOverride. */
const isCommanderError = (err: unknown): err is { code: string; exitCode: number } => (err as Error | null)?.name === "CommanderError";

/** The kind of failure: a zod refusal is always of a value given to the command. */
export function cliErrorCode(err: unknown): ErrorCode {
  return isZodError(err) || isCommanderError(err) ? "usage" : errorCodeOf(err);
}

/** One line a person can act on: zod's issue array summarised, the hint in CLI terms. */
export function cliMessage(err: unknown): string {
  if (isZodError(err)) return (require("./flags") as typeof import("./flags")).zodIssuesText(err as never);
  if (err instanceof CodeActError && err.step && err.hint) {
    // Whatever was added after the hint on the way up (how to continue the run) is kept.
    const at = err.message.indexOf(err.hint);
    return CLI_WORDING[err.step](err) + (at < 0 ? "" : err.message.slice(at + err.hint.length));
  }
  return (err as Error).message;
}

/**
 * Prints the failure (hostile text, a server reply or a file, made inert) and returns the exit
 * code. commander has already printed its own refusals, and help or --version is no failure.
 */
export function reportFailure(err: unknown, write: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): number {
  if (isCommanderError(err)) return err.exitCode === 0 ? 0 : exitCodeFor("usage");
  // Loaded here, not at the top: `codeact --help` must not pay for it.
  const { inert } = require("../exports/inert") as typeof import("../exports/inert");
  write(`codeact: ${inert(redactSecrets(cliMessage(err)))}`);
  return exitCodeFor(cliErrorCode(err));
}
