/** `codeact run "<task>"` and `codeact resume <thread>`. */
import { join } from "node:path";
import type { Command } from "commander";
import pc from "picocolors";
import { z } from "zod";
import { codeactHome } from "../executors/setup-state";
import { createModels, scriptedModels as modelsFromScript } from "../graphs/runtime";
import { ScriptSchema } from "../graphs/state/settings";
import { modelConfigFromEnv, type RoleModels } from "../nodes/models/models";
import { checkThreadId } from "../checkpoints/thread-id";
import { checkpointerFromFlags, exportLine, laterCommand } from "./store-flags";
import { childrenWaitingMessage, terminalPrompts, WAITING_EXIT_CODE, waitingMessage } from "./ask";
import { actionFormat, cellTimeoutSeconds, executorKind, httpUrl, oneOf, readJsonFlag, type RunFlags, UsageError, wallClockSeconds, wholeNumber } from "./flags";
import { addInputFlag, inputsFromFlags } from "./inputs";
import { inert } from "../exports/inert";
import { jsonRenderer, terminalRenderer } from "./render";
import type { CodeActEvent } from "../graphs/state/events";
import type { TreePeople } from "../graphs/agents/delegator";
import { threadSettingsFor, typedFlags } from "./thread-settings";
import { runSettingsFromFlags } from "./run-settings";
import { addToolFlags } from "./tool-flags";
import { exitOnNextSignal, newThreadId, runSession, type SessionOptions, signalExitCode } from "./session";

export { checkpointerFromFlags };
export type { RunFlags };

export const TrajectorySchema = z.object({ task: z.string().optional(), ...ScriptSchema.shape });

/** Role models that replay a recorded trajectory file (the offline demo; reproducible bug reports). */
export function scriptedModels(path: string, delayMs = 0): RoleModels {
  return modelsFromScript(readJsonFlag("--scripted", path, TrajectorySchema), delayMs);
}

export function addRunFlags(cmd: Command): Command {
  // Each value is checked as it is parsed: a mistake stops here, before any store, lock or kernel.
  return addInputFlag(addToolFlags(cmd))
    .option("--model <name>", "model: a name on the OpenAI-compatible endpoint, or provider:name (anthropic:, google-genai:, ollama:, groq:, mistralai:, … once its @langchain package is installed) (default $CODEACT_MODEL or gpt-4o-mini)")
    .option("--base-url <url>", "the model's endpoint (default $OPENAI_BASE_URL; for provider:name models that provider's URL variable, such as $ANTHROPIC_BASE_URL)", httpUrl("--base-url", "http://127.0.0.1:8000/v1"))
    .option("--api-key <key>", "API key (default $OPENAI_API_KEY; for provider:name models that provider's key variable, such as $ANTHROPIC_API_KEY)")
    .option("--executor <kind>", "docker | local | remote | auto", executorKind, "auto")
    .option("--remote-url <url>", "Jupyter Server / Gateway URL for --executor remote", httpUrl("--remote-url", "http://127.0.0.1:8888"))
    .option("--remote-token <token>", "token for the remote Jupyter server (default $JUPYTER_TOKEN)")
    .option("--max-iterations <n>", "coder turns before giving up", wholeNumber("--max-iterations", 1, 100_000))
    .option("--max-debug <n>", "self-debug retries per step", wholeNumber("--max-debug", 0, 1_000))
    .option("--cell-timeout <seconds>", "time limit per code action (at most 86400)", cellTimeoutSeconds)
    .option("--wall-clock <seconds>", "time limit for the whole run (at most 604800)", wallClockSeconds)
    .option("--token-budget <n>", "model tokens for the whole run", wholeNumber("--token-budget", 1, Number.MAX_SAFE_INTEGER))
    .option("--model-timeout <seconds>", "time limit per model request attempt (default $CODEACT_MODEL_TIMEOUT or 120; the wall clock bounds every call too)", wholeNumber("--model-timeout", 1, 3600, "seconds"))
    .option("--context-tokens <n>", "conversation size (estimated tokens) past which older turns are summarised (default 20000, for a 32k model)", wholeNumber("--context-tokens", 1_000, 10_000_000))
    .option("--critic <when>", "claims (when the coder says a step is done, proposes an answer, or runs out of retries) | every-action", oneOf("--critic", ["claims", "every-action"]))
    .option("--context <kind>", "conversation (append-only chat turns, cache-friendly) | window (one re-rendered prompt)", oneOf("--context", ["conversation", "window"]))
    .option("--vision", "send figures to the model as images (default: guessed from the model name)")
    .option("--no-vision", "describe figures in text instead of sending images")
    .option("--json", "one JSON event per line on stdout, nothing else")
    .option("--out <dir>", "where plots are saved (default $CODEACT_HOME/runs/<thread>)")
    .option("--checkpoints <file>", "SQLite checkpoint file (default $CODEACT_HOME/checkpoints.sqlite)")
    .option("--postgres <url>", "keep checkpoints in Postgres instead of SQLite")
    .option("--memory", "keep checkpoints in memory only (no resume)")
    .option("--approve", "stop before each code action to approve, edit or reject it (kept by the thread)")
    .option("--no-approve", "leave approval mode on a thread that recorded it")
    .option("--action-format <format>", "code (default) | json | text: one JSON or text tool call a turn, as in the paper's comparison", actionFormat)
    .option("--scripted <file>", "replay a recorded trajectory (JSON: planner/coder/critic replies) instead of calling a model");
}

export function sessionFromFlags(f: RunFlags, threadId: string): SessionOptions {
  const settings = runSettingsFromFlags(f);
  if (f.executor === "remote" && !f.remoteUrl) throw new UsageError("--executor remote needs --remote-url (a Jupyter Server, Kernel Gateway or Enterprise Gateway URL).");
  const envUrl = modelConfigFromEnv(process.env, f.model).baseUrl;
  if (!f.scripted && !f.baseUrl && envUrl) httpUrl("OPENAI_BASE_URL", "http://127.0.0.1:8000/v1")(envUrl);
  const secrets = { apiKey: f.apiKey, remoteToken: f.remoteToken };
  // Built now, before any store, lock or kernel: a model mistake is the first thing reported.
  const models = f.scripted ? scriptedModels(f.scripted) : createModels(settings, secrets);
  const imageDir = f.out ?? join(codeactHome(), "runs", checkThreadId(threadId));
  // A person can answer questions only at a terminal; with --json or piped input the run stops at one.
  const terminal = !f.json && Boolean(process.stdin.isTTY);
  const prompts = f.approve || terminal ? terminalPrompts() : undefined;
  // Sub-agents' questions and approvals: asked at this terminal, naming the child (one at a time);
  // a child's approval also when only its profile turns approval on. With --json each of their
  // questions, approvals and endings is a line of its own naming the child's thread.
  const people: TreePeople | undefined = prompts ? { ...(terminal ? { ask: (who, q) => prompts.ask(q, who) } : {}), approve: (who, r) => prompts.approve(r, who) } : undefined;
  const childJson = new Map<string, ReturnType<typeof jsonRenderer>>();
  const childEvents = f.json
    ? (thread: string, e: CodeActEvent, agent: string) => {
        if (!["question", "approval", "children_waiting", "finished"].includes(e.type)) return;
        let r = childJson.get(thread);
        if (!r) childJson.set(thread, (r = jsonRenderer(imageDir, thread)));
        r({ ...e, agent } as unknown as CodeActEvent);
      }
    : undefined;
  return {
    people,
    childEvents,
    settings,
    secrets,
    models,
    checkpointer: checkpointerFromFlags(f),
    render: f.json ? jsonRenderer(imageDir, threadId) : terminalRenderer(imageDir),
    onApproval: f.approve ? prompts!.approve : undefined,
    onQuestion: terminal ? Object.assign(prompts!.ask, { close: prompts!.close }) : undefined,
    answer: f.answer,
    answerFor: f.for,
    inputs: inputsFromFlags(f.input),
    log: (line) => process.stderr.write(`${line}\n`),
  };
}

/**
 * Runs and reports; returns the process exit code (0 only for a finished task with an answer).
 * `given`: the flags typed on the command line (see typedFlags); the others come from the thread's
 * recorded settings.
 */
export async function runAndReport(task: string | null, threadId: string, flags: RunFlags, given?: ReadonlySet<string>): Promise<number> {
  if (task === null && flags.input?.length) throw new UsageError("--input goes with a new task; a resumed run keeps the inputs it started with.");
  const settings = await threadSettingsFor(flags, threadId, { given, command: task === null ? "resume" : "run" });
  flags = settings.flags;
  const opts = sessionFromFlags(flags, threadId);
  opts.beforeRun = settings.record;
  if (!flags.json) opts.log(pc.dim(`thread ${threadId}`));
  // What the thread's record brings back (tool modules and MCP servers included) is said, never silent.
  if (settings.reused) opts.log(pc.dim(`with the thread's recorded settings: ${inert(settings.reused)}`));
  // Model failures arrive as ModelCallError, already naming the endpoint; anything else (Docker,
  // Postgres, a remote kernel) is reported as itself.
  const result = await runSession(task, threadId, opts).finally(() => {
    for (const prompt of [opts.onApproval, opts.onQuestion]) (prompt as { close?: () => void } | undefined)?.close?.();
  });
  if (result.paused) {
    exitOnNextSignal();
    opts.log(laterCommand(flags, threadId, `Paused. Resume with: codeact resume ${threadId}`));
    return signalExitCode(result.pausedBy ?? "SIGINT");
  }
  if (result.state?.awaitingChildren) {
    // With --json the executor's `children_waiting` event has said it already (the root's thread, each child's).
    opts.log(childrenWaitingMessage(threadId, result.state.awaitingChildren));
    return WAITING_EXIT_CODE;
  }
  if (result.state?.awaitingAnswer) {
    opts.log(waitingMessage(threadId, result.state.awaitingAnswer));
    return WAITING_EXIT_CODE;
  }
  if (!flags.json) opts.log(pc.dim(exportLine(flags, threadId)));
  return result.state?.status === "done" && result.state.answer ? 0 : 2;
}

export function registerRun(program: Command): void {
  addRunFlags(program.command("run").argument("<task>", "what the agent should do").description("run a task").option("--thread <id>", "thread id (default: a new one)")).action(
    async (task: string, flags: RunFlags, cmd: Command) => {
      process.exitCode = await runAndReport(task, flags.thread ?? newThreadId(), flags, typedFlags(cmd));
    },
  );
  addRunFlags(program.command("resume").argument("<thread>", "thread id").description("continue a paused or crashed run from its last checkpoint"))
    .option("--answer <text>", "the answer to the agent's question, for a thread waiting at ask_user()")
    .option("--for <thread>", "with --answer: the waiting sub-agent (its thread id) the answer is for, when several ask")
    .action(async (thread: string, flags: RunFlags, cmd: Command) => {
      process.exitCode = await runAndReport(null, thread, flags, typedFlags(cmd));
    });
}
