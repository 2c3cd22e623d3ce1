/** Runs (or resumes) a task on a compiled CodeAct graph, streaming its events. */
import { Command } from "@langchain/langgraph";
import { runTracer } from "../nodes/trace-client";
import { flushTraces, tracingEnabled } from "../nodes/tracing";
import type { CodeActGraph } from "./codeact";
import type { CodeActEvent } from "./events";
import type { Approval, ApprovalRequest, CodeActStateValue } from "./state";

export interface RunOptions {
  threadId?: string;
  onEvent?: (event: CodeActEvent) => void;
  signal?: AbortSignal;
  /**
   * Approval mode: called with each code action before it runs. Without it, a graph compiled with
   * `approve` pauses at the first action: resume it with `graph.stream(new Command({ resume }), config)`.
   */
  onApproval?: (request: ApprovalRequest) => Promise<Approval>;
}

export interface RunResult extends CodeActStateValue {
  /** Set when the run stopped to wait for a person's approval. */
  awaitingApproval?: ApprovalRequest;
}

/**
 * A follow-up sent to a thread whose turn has not ended (paused, waiting for approval, crashed):
 * LangGraph would drop the pending step to take the new input, so it is refused instead.
 */
export class TurnInProgressError extends Error {
  constructor(readonly threadId: string, readonly next: string[]) {
    super(
      `Thread ${threadId} has a turn in progress (next: ${next.join(", ")}); a new request would discard it. ` +
        `Resume it first (codeact resume ${threadId}, or runCodeAct(graph, null, { threadId })), then send the follow-up.`,
    );
    this.name = "TurnInProgressError";
  }
}

/**
 * `task` starts a run on a new thread, or a new turn (a follow-up) on a thread whose last turn
 * ended; `null` continues the thread from its latest checkpoint.
 */
export async function runCodeAct(graph: CodeActGraph, task: string | null, options: RunOptions = {}): Promise<RunResult> {
  // Traces are flushed however the run ends (answer, approval pause, error), within a bound.
  try {
    return await run(graph, task, options);
  } finally {
    await flushTraces();
  }
}

async function run(graph: CodeActGraph, task: string | null, options: RunOptions): Promise<RunResult> {
  const config = {
    configurable: { thread_id: options.threadId ?? "default" },
    recursionLimit: graph.recursionLimit,
    // The state is taken from the "values" stream as it goes (O(1) a step), not read back at the
    // end: getState rebuilds the cells by walking the thread's whole checkpoint history.
    // Events are only streamed to a listener.
    streamMode: [...(options.onEvent ? ["custom"] : []), "values"] as ("custom" | "values")[],
    // Each checkpoint is on disk before the next step starts: after a kill -9 the run resumes from
    // the step it was in, never from an older one (its model replies and cells would be redone).
    durability: "sync" as const,
    signal: options.signal,
    // Our own tracer (bounded requests, one warning) instead of the one LangChain adds from the env.
    ...(tracingEnabled() ? { callbacks: [runTracer()] } : {}),
  };
  if (task !== null && graph.checkpointer) {
    const snapshot = await graph.getState(config);
    const values = snapshot.values as Partial<CodeActStateValue> | undefined;
    if (values?.task && snapshot.next.length) throw new TurnInProgressError(config.configurable.thread_id, [...snapshot.next]);
  }
  let input: { task: string } | Command | null = task === null ? null : { task };
  let last: CodeActStateValue | undefined;
  for (;;) {
    let pending: ApprovalRequest | undefined;
    const stream = await graph.stream(input as Parameters<CodeActGraph["stream"]>[0], config);
    for await (const [mode, data] of stream as AsyncIterable<[string, unknown]>) {
      if (mode === "custom") options.onEvent?.(data as CodeActEvent);
      else {
        // When the graph pauses for approval, its last "values" chunk is the interrupt itself.
        const interrupts = (data as { __interrupt__?: { value: unknown }[] }).__interrupt__;
        if (interrupts) pending = interrupts[0]?.value as ApprovalRequest | undefined;
        else last = data as CodeActStateValue;
      }
    }
    // A resumed thread that had nothing left to run streams no values: read its state instead.
    if (!last && graph.checkpointer) last = (await graph.getState(config)).values as CodeActStateValue;
    if (!pending) break;
    if (!options.onApproval) {
      if (!last) throw new Error("The graph paused before producing any state.");
      return { ...last, awaitingApproval: pending };
    }
    input = new Command({ resume: await options.onApproval(pending) });
  }
  if (!last) throw new Error("The graph produced no state.");
  options.onEvent?.({ type: "finished", status: last.status, answer: last.answer, detail: last.statusDetail });
  return last;
}
