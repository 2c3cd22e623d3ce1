/**
 * One run of the agent from the command line: models, kernel, checkpointer and renderer wired
 * together; start, resume or branch; Ctrl-C pauses cleanly. Shared by run, resume, branch and the demo.
 */
import { randomBytes } from "node:crypto";
import { createCodeActGraph } from "../graphs/codeact";
import type { LimitsInput } from "../graphs/limits";
import { NotWaitingError, runCodeAct, type RunOptions, type RunResult } from "../graphs/run";
import { createExecutor, type ExecutorChoice } from "../executors/factory";
import type { RoleModels } from "../nodes/models";
import { type Checkpointer, type CheckpointerConfig, createCheckpointer } from "../checkpoints/savers";
import { lockThread, type ThreadLock } from "../checkpoints/lock";
import { checkThreadId } from "../checkpoints/thread-id";
import { readThreadState } from "../checkpoints/threads";
import type { ToolBridge } from "../tools/bridge";
import type { LoadedTools } from "../tools/sources";
import type { Renderer } from "./render";

export interface SessionOptions {
  models: RoleModels;
  executor: ExecutorChoice;
  checkpointer?: CheckpointerConfig;
  limits?: LimitsInput;
  actionFormat?: "code" | "json" | "text";
  tools?: ToolBridge;
  /** Starts tool sources (modules, MCP servers) before the kernel; they are closed when the run ends. */
  loadTools?: () => Promise<LoadedTools>;
  render: Renderer;
  log: (line: string) => void;
  onApproval?: RunOptions["onApproval"];
  /** Called once the thread is locked, before it runs (records the thread's settings). */
  beforeRun?: (store: Checkpointer) => Promise<void>;
  /** Input files for /workspace/inputs/, read already (cli/inputs.ts); kept with the thread. */
  inputs?: RunOptions["inputs"];
  /** Answers the agent's ask_user() questions (a terminal); without it the run stops at a question. */
  onQuestion?: RunOptions["onQuestion"];
  /** With task null: the answer to the question the thread waits for (resume --answer). */
  answer?: string;
}

export function newThreadId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `run-${stamp}-${randomBytes(3).toString("hex")}`;
}

export interface SessionResult {
  threadId: string;
  /** `awaitingAnswer` set: the run stopped at the agent's question. */
  state?: RunResult;
  paused: boolean;
  /** The signal that paused the run (Ctrl-C is SIGINT; a service manager or a closed terminal send SIGTERM / SIGHUP). */
  pausedBy?: PauseSignal;
}

/** Each of these pauses the run the same way: the last finished step is kept, the kernel removed. */
const PAUSE_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
export type PauseSignal = (typeof PAUSE_SIGNALS)[number];
/** The shell's convention: 128 + the signal's number. */
export const signalExitCode = (s: PauseSignal): number => 128 + ({ SIGHUP: 1, SIGINT: 2, SIGTERM: 15 } as const)[s];

/** Starts `task` on a new thread, or (task null) continues `threadId` after rehydrating its kernel. */
export async function runSession(task: string | null, threadId: string, opts: SessionOptions): Promise<SessionResult> {
  checkThreadId(threadId);
  // Listening from the very start, so a signal that comes while the store, the lock or the kernel is
  // being set up still pauses cleanly instead of killing the process halfway.
  const abort = new AbortController();
  let pausedBy: PauseSignal | undefined;
  let lockLost: Error | undefined;
  const onSignal = (signal: PauseSignal) => {
    if (pausedBy) process.exit(signalExitCode(signal)); // a second signal: leave at once
    pausedBy = signal;
    // After a hang-up the terminal is gone: a failed write must not end the pause halfway.
    if (signal === "SIGHUP") for (const s of [process.stdout, process.stderr]) s.on("error", () => undefined);
    const again = signal === "SIGINT" ? "; Ctrl-C again to quit now" : "";
    opts.log(`\nPausing on ${signal}… (the last finished step is checkpointed${again})`);
    abort.abort();
  };
  const handlers = PAUSE_SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  const removeHandlers = () => {
    for (const [s, h] of handlers) process.removeListener(s, h);
  };
  let store: Awaited<ReturnType<typeof createCheckpointer>>;
  let lock: ThreadLock;
  let executor: Awaited<ReturnType<typeof createExecutor>>;
  let loaded: LoadedTools | undefined;
  let tools = opts.tools;
  try {
    store = await createCheckpointer(opts.checkpointer);
  } catch (err) {
    removeHandlers();
    throw err;
  }
  try {
    lock = await lockThread(store, threadId);
  } catch (err) {
    removeHandlers();
    await store.close();
    throw err;
  }
  // Without the lock, another worker may take the thread: stop before this one writes anything more.
  lock.onLost((err) => {
    lockLost = err;
    abort.abort();
  });
  try {
    if (abort.signal.aborted) throw new Error("stopped before the kernel was started");
    loaded = await opts.loadTools?.();
    tools = loaded?.bridge ?? tools;
    executor = await createExecutor({ ...opts.executor, threadId }, tools);
  } catch (err) {
    removeHandlers();
    await loaded?.close();
    await lock.recordStop(pausedBy || lockLost ? "paused" : "error", pausedBy ?? (lockLost ?? (err as Error)).message).catch(() => undefined);
    await lock.release().catch(() => undefined);
    await store.close();
    if (pausedBy) return { threadId, paused: true, pausedBy };
    throw lockLost ?? err;
  }
  // How this run ends, for `codeact threads` (a crash is what is left when none is recorded).
  let stop: Parameters<ThreadLock["recordStop"]> = ["error", "the run ended unexpectedly"];
  try {
    const graph = createCodeActGraph({ models: opts.models, executor, tools, limits: opts.limits, checkpointer: store.saver, artifacts: store.artifacts, actionFormat: opts.actionFormat });
    if (task === null) {
      const previous = await readThreadState(store.saver, threadId);
      if (previous.status !== "running") {
        // An answer must not vanish into a thread that asks nothing any more.
        if (opts.answer !== undefined) throw new NotWaitingError(`Thread ${threadId} already ended (${previous.status}); it is not waiting for an answer.`);
        opts.log(`Thread ${threadId} already ended (${previous.status}); nothing to resume.`);
        stop = ["finished"];
        return { threadId, state: previous, paused: false };
      }
      // The executor node rebuilds the kernel from the thread's cells before its next action.
    }
    try {
      await opts.beforeRun?.(store);
      const state = await runCodeAct(graph, task, { threadId, onEvent: opts.render, signal: abort.signal, onApproval: opts.onApproval, onQuestion: opts.onQuestion, answer: opts.answer, inputs: opts.inputs });
      stop = ["finished"];
      return { threadId, state, paused: false };
    } catch (caught) {
      stop = pausedBy || lockLost ? ["paused", lockLost ? "lock lost" : pausedBy] : ["error", (caught as Error).message];
      if (pausedBy && !lockLost) return { threadId, paused: true, pausedBy };
      // Whatever broke (the model endpoint, the network, the database, a bug), the finished steps are
      // checkpointed. Resuming without --approve would run a pending action nobody approved.
      const err = (lockLost ?? caught) as Error;
      const flags = opts.limits?.approve ? " --approve" : "";
      if (store.kind !== "memory") err.message += `\nThe run is kept up to its last finished step; continue it with: codeact resume ${threadId}${flags}`;
      throw err;
    }
  } finally {
    removeHandlers();
    await executor.shutdown().catch(() => undefined);
    await loaded?.close();
    await lock.recordStop(...stop).catch(() => undefined);
    await lock.release().catch(() => undefined);
    await store.close();
  }
}
