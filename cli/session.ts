/**
 * The agent from the command line: models, kernel, checkpointer and renderer wired together; start,
 * resume, follow up or branch; Ctrl-C pauses cleanly. A session (store, lock, kernel) may serve
 * several turns (`codeact chat`); `runSession` is one turn. Shared by run, resume, chat and the demo.
 */
import { randomBytes } from "node:crypto";
import { createCodeActGraph } from "../graphs/codeact";
import { NotWaitingError, runCodeAct, type RunOptions, type RunResult, TurnInProgressError } from "../graphs/run";
import { createRuntime, type Runtime, type RuntimeSecrets } from "../graphs/runtime";
import { type TreeContext, type TreePeople, withSubAgents } from "../graphs/agents/delegator";
import { limitsOf, type RunSettings } from "../graphs/state/settings";
import type { CodeActStateValue } from "../graphs/state/state";
import type { RoleModels } from "../nodes/models/models";
import { type Checkpointer, type CheckpointerConfig, createCheckpointer } from "../checkpoints/savers";
import { lockThread, type ThreadLock } from "../checkpoints/lock";
import { checkThreadId } from "../checkpoints/thread-id";
import { readThreadState } from "../graphs/threads";
import type { Renderer } from "./render";

export interface SessionOptions {
  /** The run's settings; its tool sources are started before the kernel and closed when the session ends. */
  settings: RunSettings;
  secrets?: RuntimeSecrets;
  /** Built from the settings already, so a model mistake stops the command before any store opens. */
  models: RoleModels;
  checkpointer?: CheckpointerConfig;
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
  /** With `answer`, when sub-agents wait: the one it is for (resume --for). */
  answerFor?: string;
  /** A person at hand for sub-agents' questions and approvals (a terminal); without, their waits make the run wait. */
  people?: TreePeople;
  /** Sub-agents' events, each with its thread and profile (--json shows their questions and approvals). */
  childEvents?: TreeContext["onEvent"];
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

/** Pauses on SIGINT / SIGTERM / SIGHUP while installed: the turn's signal aborts, the last finished step stays. */
export interface SignalWatch {
  signal: AbortSignal;
  pausedBy?: PauseSignal;
  /** Stops the turn for another reason (the thread's lock was lost). */
  abort(): void;
  remove(): void;
}

export function watchSignals(log: (line: string) => void): SignalWatch {
  const controller = new AbortController();
  const watch: SignalWatch = {
    signal: controller.signal,
    abort: () => controller.abort(),
    remove: () => {
      for (const [s, h] of handlers) process.removeListener(s, h);
    },
  };
  const onSignal = (signal: PauseSignal) => {
    if (watch.pausedBy) process.exit(signalExitCode(signal)); // a second signal: leave at once
    watch.pausedBy = signal;
    // After a hang-up the terminal is gone: a failed write must not end the pause halfway.
    if (signal === "SIGHUP") for (const s of [process.stdout, process.stderr]) s.on("error", () => undefined);
    const again = signal === "SIGINT" ? "; Ctrl-C again to quit now" : "";
    log(`\nPausing on ${signal}… (the last finished step is checkpointed${again})`);
    controller.abort();
  };
  const handlers = PAUSE_SIGNALS.map((s) => [s, () => onSignal(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  return watch;
}

/**
 * After a pause has been reported, whatever still holds the process up (a slow close, a handle
 * left open) must not make the next signal a no-op: it leaves at once.
 */
export function exitOnNextSignal(): void {
  for (const s of PAUSE_SIGNALS) process.once(s, () => process.exit(signalExitCode(s)));
}

/** An open thread: its store, lock and kernel, kept for as many turns as the caller runs. */
export interface Session {
  threadId: string;
  /** One turn: `task` starts a thread or follows up on an ended one; null resumes. */
  turn(task: string | null, watch: SignalWatch): Promise<SessionResult>;
  /** The thread has a turn that has not ended (paused, waiting, crashed): a follow-up must wait for it. */
  inProgress(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens the store, takes the thread's lock and starts the kernel. Undefined when `watch` was
 * signalled meanwhile (everything opened is closed again).
 */
export async function openSession(threadId: string, opts: SessionOptions, watch: SignalWatch): Promise<Session | undefined> {
  checkThreadId(threadId);
  let current = watch;
  let lockLost: Error | undefined;
  const store = await createCheckpointer(opts.checkpointer);
  let lock: ThreadLock;
  try {
    lock = await lockThread(store, threadId);
  } catch (err) {
    await store.close();
    throw err;
  }
  // Without the lock, another worker may take the thread: stop before this one writes anything more.
  lock.onLost((err) => {
    lockLost = err;
    current.abort();
  });
  let runtime: Runtime;
  try {
    if (watch.signal.aborted) throw new Error("stopped before the kernel was started");
    await opts.beforeRun?.(store);
    runtime = await createRuntime(opts.settings, { threadId, secrets: opts.secrets, models: opts.models, signal: watch.signal });
  } catch (err) {
    await lock.recordStop(watch.pausedBy || lockLost ? "paused" : "error", watch.pausedBy ?? (lockLost ?? (err as Error)).message).catch(() => undefined);
    await lock.release().catch(() => undefined);
    await store.close();
    if (watch.pausedBy) return undefined;
    throw lockLost ?? err;
  }
  // How the session ends, for `codeact threads` (a crash is what is left when none is recorded).
  let stop: Parameters<ThreadLock["recordStop"]> = ["error", "the run ended unexpectedly"];
  // The answer and the input files belong to the session's first turn (the command line's).
  let first = true;
  const { executor, models } = runtime;
  // delegate() in the kernel: children are threads of this store, under this thread's lock's process.
  const { tools, subAgents } = withSubAgents(opts.settings, runtime.tools, { store, secrets: opts.secrets, people: opts.people, onEvent: opts.childEvents });
  const graph = createCodeActGraph({ models, executor, tools, limits: limitsOf(opts.settings), checkpointer: store.saver, artifacts: store.artifacts, actionFormat: opts.settings.actionFormat });
  const turn = async (task: string | null, w: SignalWatch): Promise<SessionResult> => {
    current = w;
    if (lockLost) throw lockLost;
    if (task === null) {
      const previous = await readThreadState(store.saver, threadId);
      // A follow-up whose input was saved but whose planner never ran still has work: resume runs it.
      if (previous.status !== "running" && !(await graph.getState({ configurable: { thread_id: threadId } })).next.length) {
        // An answer must not vanish into a thread that asks nothing any more.
        if (first && opts.answer !== undefined) throw new NotWaitingError(`Thread ${threadId} already ended (${previous.status}); it is not waiting for an answer.`);
        stop = ["finished"];
        opts.log(`Thread ${threadId} already ended (${previous.status}); nothing to resume. A new request on it is a follow-up: codeact run "<request>" --thread ${threadId}`);
        return { threadId, state: previous, paused: false };
      }
      // The executor node rebuilds the kernel from the thread's cells before its next action.
    }
    const once = first ? { answer: opts.answer, answerFor: opts.answerFor, inputs: opts.inputs } : {};
    first = false;
    try {
      const state = await runCodeAct(graph, task, { threadId, onEvent: opts.render, signal: w.signal, onApproval: opts.onApproval, onQuestion: opts.onQuestion, ...once, ...(subAgents ? { tree: () => subAgents.budget.totals() } : {}) });
      stop = ["finished"];
      return { threadId, state, paused: false };
    } catch (caught) {
      stop = w.pausedBy || lockLost ? ["paused", lockLost ? "lock lost" : w.pausedBy] : ["error", (caught as Error).message];
      if (w.pausedBy && !lockLost) {
        // The kernel outlives this turn in a chat: a cell still running is stopped, so the next turn
        // finds it idle (and, the stopped cell never being recorded, rebuilds it from the cells).
        await executor.interrupt().catch(() => undefined);
        return { threadId, paused: true, pausedBy: w.pausedBy };
      }
      if (caught instanceof TurnInProgressError) throw caught;
      // Whatever broke (the model endpoint, the network, the database, a bug), the finished steps are
      // checkpointed. Resuming without --approve would run a pending action nobody approved.
      const err = (lockLost ?? caught) as Error;
      const flags = opts.settings.approve ? " --approve" : "";
      if (store.kind !== "memory") err.message += `\nThe run is kept up to its last finished step; continue it with: codeact resume ${threadId}${flags}`;
      throw err;
    } finally {
      opts.render.stop?.();
    }
  };
  const close = async () => {
    await runtime.close();
    await lock.recordStop(...stop).catch(() => undefined);
    await lock.release().catch(() => undefined);
    await store.close();
  };
  const inProgress = async () => {
    const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
    return Boolean((snapshot.values as Partial<CodeActStateValue> | undefined)?.task) && snapshot.next.length > 0;
  };
  return { threadId, turn, inProgress, close };
}

/** One turn in its own session: starts `task` on a new thread, follows up on an ended one, or (task null) resumes. */
export async function runSession(task: string | null, threadId: string, opts: SessionOptions): Promise<SessionResult> {
  checkThreadId(threadId);
  // Listening from the very start, so a signal that comes while the store, the lock or the kernel is
  // being set up still pauses cleanly instead of killing the process halfway.
  const watch = watchSignals(opts.log);
  let session: Session | undefined;
  try {
    session = await openSession(threadId, opts, watch);
    if (!session) return { threadId, paused: true, pausedBy: watch.pausedBy };
    return await session.turn(task, watch);
  } finally {
    // Closed while still listening: a second signal during a slow close (a kernel, a tool server) leaves at once.
    await session?.close();
    watch.remove();
  }
}
