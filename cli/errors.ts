/**
 * How a failure that ends `codeact` is shown and what it exits with. The library words its hints
 * in library terms (a call, an option); here they become the flag or command a person types.
 */
import { CodeActError, type ErrorCode, errorCodeOf, type NextStep, redactSecrets, type Setting, settingLabel } from "../errors";
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
  // Loaded here, not at the top: only this failure needs the Docker engine module.
  start_docker: (e) => `${e.problem}\n${(require("../executors/docker-engine") as typeof import("../executors/docker-engine")).howToStart("`--executor local`")}`,
  set_model_endpoint: (e) =>
    `${e.problem} set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any OpenAI-compatible server such as vLLM or Ollama), or pass --api-key/--base-url; or name another provider's model, such as --model anthropic:claude-sonnet-4-5.`,
  resume_with_approval: (e) => `${e.problem} (it waits for an approval of a code action: resume it with --approve, without --answer).`,
  resume_without_answer: (e) => `${e.problem} (it has no question pending: resume it without --answer).`,
  give_input_again: (e) => `${e.problem} give it again with --input.`,
  reach_pip_index: (e) =>
    `--pip needs a Python package index, and ${e.subject ?? "the index cannot be reached"}. Set PIP_INDEX_URL to an index this machine reaches (a local mirror), or add Debian packages instead: --with python3-<name> (apt-cache search python3-).`,
  drop_base_url: (e) => `--base-url is not supported for the provider "${e.subject}" (codeact knows no base-URL option of its package). Leave it out to use the provider's own endpoint.`,
  set_api_key: (e) => `${e.problem} Set ${e.subject}, or pass --api-key.`,
  check_model_url: (e) => `${e.problem} check ${e.subject ? `${e.subject} / ` : ""}--base-url.`,
  choose_eval_out: (e) => `${e.problem} choose another --out folder.`,
  resume_eval: (e) => `${e.problem} Continue it with --resume, or choose another --out folder.`,
  give_suite_package: (e) => `${e.problem} pass --from <folder>${e.subject ? `, or set ${e.subject}` : ""}.`,
  check_remote_server: (e) => `${e.problem}\nCheck that the Jupyter server / gateway is running and reachable, and that --remote-token (token auth) is right.`,
};

/** The flag that gives each setting a library message can be about. */
const SETTING_FLAGS: Readonly<Record<Setting, string>> = { tools: "--tools", mcp: "--mcp", trajectory_format: "--format", suite_package: "--from" };

/** The message with the setting it starts with named by its flag ("Tool module t.ts: …" → "--tools t.ts: …"). */
function withFlag(err: CodeActError, message: string): string {
  if (!err.about) return message;
  const { setting, value } = err.about;
  const label = settingLabel(setting, value);
  return message.startsWith(label) ? `${SETTING_FLAGS[setting]}${value === undefined ? "" : ` ${value}`}${message.slice(label.length)}` : message;
}

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
    return withFlag(err, CLI_WORDING[err.step](err) + (at < 0 ? "" : err.message.slice(at + err.hint.length)));
  }
  return err instanceof CodeActError ? withFlag(err, err.message) : (err as Error).message;
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
