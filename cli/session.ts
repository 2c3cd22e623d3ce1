/**
 * One run of the agent from the command line: models, kernel, checkpointer and renderer wired
 * together; start, resume or branch; Ctrl-C pauses cleanly. Shared by run, resume, branch and the demo.
 */
import { randomBytes } from "node:crypto";
import { createCodeActGraph } from "../graphs/codeact";
import type { LimitsInput } from "../graphs/limits";
import { runCodeAct, type RunOptions } from "../graphs/run";
import type { CodeActStateValue } from "../graphs/state";
import { createExecutor, type ExecutorChoice } from "../executors/factory";
import type { RoleModels } from "../nodes/models";
import { type CheckpointerConfig, createCheckpointer } from "../checkpoints/savers";
import { lockThread, type ThreadLock } from "../checkpoints/lock";
import { checkThreadId } from "../checkpoints/thread-id";
import { readThreadState } from "../checkpoints/threads";
import type { ToolBridge } from "../tools/bridge";
import type { Renderer } from "./render";

export interface SessionOptions {
  models: RoleModels;
  executor: ExecutorChoice;
  checkpointer?: CheckpointerConfig;
  limits?: LimitsInput;
  tools?: ToolBridge;
  render: Renderer;
  log: (line: string) => void;
  onApproval?: RunOptions["onApproval"];
}

export function newThreadId(): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
  return `run-${stamp}-${randomBytes(3).toString("hex")}`;
}

export interface SessionResult {
  threadId: string;
  state?: CodeActStateValue;
  paused: boolean;
}

/** Starts `task` on a new thread, or (task null) continues `threadId` after rehydrating its kernel. */
export async function runSession(task: string | null, threadId: string, opts: SessionOptions): Promise<SessionResult> {
  checkThreadId(threadId);
  const store = await createCheckpointer(opts.checkpointer);
  let lock: ThreadLock;
  try {
    lock = await lockThread(store, threadId);
  } catch (err) {
    await store.close();
    throw err;
  }
  const executor = await createExecutor({ ...opts.executor, threadId }, opts.tools).catch(async (err: Error) => {
    await lock.release().catch(() => undefined);
    await store.close();
    throw err;
  });
  const abort = new AbortController();
  let paused = false;
  const onSigint = () => {
    if (paused) process.exit(130); // a second Ctrl-C: leave at once
    paused = true;
    opts.log(`\nPausing… (the last finished step is checkpointed; Ctrl-C again to quit now)`);
    abort.abort();
  };
  process.on("SIGINT", onSigint);
  try {
    const graph = createCodeActGraph({ models: opts.models, executor, tools: opts.tools, limits: opts.limits, checkpointer: store.saver });
    if (task === null) {
      const previous = await readThreadState(store.saver, threadId);
      if (previous.status !== "running") {
        opts.log(`Thread ${threadId} already ended (${previous.status}); nothing to resume.`);
        return { threadId, state: previous, paused: false };
      }
      // The executor node rebuilds the kernel from the thread's cells before its next action.
    }
    try {
      const state = await runCodeAct(graph, task, { threadId, onEvent: opts.render, signal: abort.signal, onApproval: opts.onApproval });
      return { threadId, state, paused: false };
    } catch (err) {
      if (paused) return { threadId, paused: true };
      // Whatever broke (the model endpoint, the network, a bug), the finished steps are checkpointed.
      // Resuming without --approve would run a pending action nobody approved.
      const flags = opts.limits?.approve ? " --approve" : "";
      if (store.kind !== "memory") (err as Error).message += `\nThe run is kept up to its last finished step; continue it with: codeact resume ${threadId}${flags}`;
      throw err;
    }
  } finally {
    process.removeListener("SIGINT", onSigint);
    await executor.shutdown().catch(() => undefined);
    await lock.release().catch(() => undefined);
    await store.close();
  }
}
