/** Runs (or resumes) a task on a compiled CodeAct graph, streaming its events. */
import { Command } from "@langchain/langgraph";
import { storeInputs } from "../checkpoints/artifacts/inputs";
import { collectInputs, type InputSource } from "../executors/workspace/read-paths";
import { runTracer } from "../nodes/tracing/trace-client";
import { flushTraces, tracingEnabled } from "../nodes/tracing/tracing";
import type { CodeActGraph } from "./codeact";
import type { CodeActEvent } from "./state/events";
import { isQuestionRequest, MAX_ANSWER_CHARS, type QuestionRequest } from "./state/question";
import type { Approval, ApprovalRequest, CodeActStateValue } from "./state/state";
import { CodeActError, type CodeActErrorOptions } from "../errors";
import type { TreeTotals } from "./agents/budget";
import { type ChildrenWaiting, isChildrenWaiting } from "./state/waiting";

export interface RunOptions {
  threadId?: string;
  onEvent?: (event: CodeActEvent) => void;
  signal?: AbortSignal;
  /**
   * Approval mode: called with each code action before it runs. Without it, a graph compiled with
   * `approve` pauses at the first action: resume it with `graph.stream(new Command({ resume }), config)`.
   */
  onApproval?: (request: ApprovalRequest) => Promise<Approval>;
  /**
   * Files for /workspace/inputs/ (paths of files or folders, or { name, data }), kept with the thread
   * (its artifact store, else inline in the checkpoint). Only with a task: a resumed run has its own.
   */
  inputs?: InputSource[];
  /**
   * Called when the agent's code asks the person something (ask_user()); resolves with the answer.
   * Without it the run stops at the question (`awaitingAnswer`): continue with `answer`, or resume
   * the thread with `graph.stream(new Command({ resume: "<answer>" }), config)`.
   */
  onQuestion?: (question: QuestionRequest) => Promise<string>;
  /** With task null: the answer to the question the thread is waiting for (`codeact resume --answer`). */
  answer?: string;
  /**
   * With `answer`, when the thread waits for sub-agents: which one it is for (a waiting child's
   * thread id or interrupt id, as `awaitingChildren` lists them). Not needed when only one asks.
   */
  answerFor?: string;
  /**
   * With task null: the raw resume value for the interrupt the thread waits at (an Approval, or
   * `{ children: { <interrupt id>: answer | Approval } }` for waiting sub-agents); checked by the node.
   */
  resume?: unknown;
  /** The sub-agent tree's totals and each child's, for the `finished` event (graphs/agents). */
  tree?: () => TreeTotals;
}

export interface RunResult extends CodeActStateValue {
  /** Set when the run stopped to wait for a person's approval. */
  awaitingApproval?: ApprovalRequest;
  /** Set when the run stopped to wait for a person's answer to the agent's question. */
  awaitingAnswer?: QuestionRequest;
  /** Set when the run stopped because sub-agents (at any depth) wait for a person: each one listed. */
  awaitingChildren?: ChildrenWaiting;
}

/** Thrown when an answer is given to a thread that waits for none: nothing has run. */
export class NotWaitingError extends CodeActError {
  constructor(message: string, options?: CodeActErrorOptions) {
    super("conflict", message, options);
    this.name = "NotWaitingError";
  }
}

/** A person's wait (a terminal prompt) ends with the run's pause signal, so Ctrl-C pauses there too. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(new Error("paused"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("paused while waiting for a person"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A follow-up sent to a thread whose turn has not ended (paused, waiting for approval, crashed):
 * LangGraph would drop the pending step to take the new input, so it is refused instead.
 */
export class TurnInProgressError extends CodeActError {
  constructor(readonly threadId: string, readonly next: string[]) {
    super("conflict", `Thread ${threadId} has a turn in progress (next: ${next.join(", ")}); a new request would discard it.`, {
      hint: `Resume it first (runCodeAct(graph, null, { threadId: "${threadId}" })), then send the follow-up.`,
      step: "resume_thread",
      subject: threadId,
    });
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
  const started = Date.now();
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
  let input: { task: string; inputs?: unknown } | Command | null = task === null ? null : { task };
  if (options.inputs?.length) {
    if (task === null) throw new CodeActError("usage", "Input files go with a task; a resumed run keeps the inputs it started with.");
    const threadId = config.configurable.thread_id;
    input = { task, inputs: await storeInputs(collectInputs(options.inputs), graph.artifacts ? { store: graph.artifacts, threadId } : undefined) };
  }
  if (options.answer !== undefined) {
    if (task !== null) throw new CodeActError("usage", "An answer continues a waiting thread; it cannot start a task.");
    input = new Command({ resume: await checkedAnswer(graph, config, options.answer, options.answerFor) });
  } else if (options.resume !== undefined) {
    if (task !== null) throw new CodeActError("usage", "A resume value continues a waiting thread; it cannot start a task.");
    input = new Command({ resume: options.resume });
  }
  let last: CodeActStateValue | undefined;
  for (;;) {
    let pending: ApprovalRequest | QuestionRequest | ChildrenWaiting | undefined;
    const stream = await graph.stream(input as Parameters<CodeActGraph["stream"]>[0], config);
    for await (const [mode, data] of stream as AsyncIterable<[string, unknown]>) {
      if (mode === "custom") options.onEvent?.(data as CodeActEvent);
      else {
        // When the graph pauses for approval, its last "values" chunk is the interrupt itself.
        const interrupts = (data as { __interrupt__?: { value: unknown }[] }).__interrupt__;
        if (interrupts) pending = interrupts[0]?.value as ApprovalRequest | QuestionRequest | ChildrenWaiting | undefined;
        else last = data as CodeActStateValue;
      }
    }
    // A resumed thread that had nothing left to run streams no values: read its state instead.
    if (!last && graph.checkpointer) last = (await graph.getState(config)).values as CodeActStateValue;
    if (!pending) break;
    if (isQuestionRequest(pending)) {
      // The executor node wrote the `question` event as it stopped.
      if (!options.onQuestion) {
        if (!last) throw new Error("The graph paused before producing any state.");
        return { ...last, awaitingAnswer: pending };
      }
      input = new Command({ resume: await untilAborted(options.onQuestion(pending), options.signal) });
      continue;
    }
    if (isChildrenWaiting(pending)) {
      // Sub-agents with nobody attached to ask (the executor node wrote the `children_waiting` event).
      if (!last) throw new Error("The graph paused before producing any state.");
      return { ...last, awaitingChildren: pending };
    }
    options.onEvent?.({ type: "approval", step: pending.step, attempt: pending.attempt, code: pending.code });
    if (!options.onApproval) {
      if (!last) throw new Error("The graph paused before producing any state.");
      return { ...last, awaitingApproval: pending };
    }
    input = new Command({ resume: await untilAborted(options.onApproval(pending), options.signal) });
  }
  if (!last) throw new Error("The graph produced no state.");
  const turn = (last as { turn?: unknown }).turn;
  options.onEvent?.({
    type: "finished",
    status: last.status,
    answer: last.answer,
    detail: last.statusDetail,
    tokens: last.tokens,
    modelCalls: last.modelCalls ?? 0,
    cells: last.cells?.length ?? 0,
    durationMs: Date.now() - started,
    ...(typeof turn === "number" ? { turn } : {}),
    ...(options.tree ? { tree: options.tree() } : {}),
  });
  return last;
}

/**
 * The answer, once the thread is known to wait for one: resuming a thread that waits for an approval
 * (or for nothing) with an answer would feed text where a decision belongs.
 */
async function checkedAnswer(graph: CodeActGraph, config: { configurable: { thread_id: string } }, answer: string, answerFor?: string): Promise<unknown> {
  if (answer.length > MAX_ANSWER_CHARS) throw new NotWaitingError(`The answer is ${answer.length} characters; at most ${MAX_ANSWER_CHARS} are accepted.`);
  const snapshot = graph.checkpointer ? await graph.getState(config) : undefined;
  const waiting = (snapshot?.tasks ?? []).flatMap((t) => t.interrupts ?? []).map((i) => i.value);
  const thread = config.configurable.thread_id;
  const children = waiting.find(isChildrenWaiting);
  if (children) return { children: { [childFor(thread, children, answerFor).interruptId]: answer } };
  if (answerFor !== undefined && answerFor !== thread) throw new NotWaitingError(`Thread ${thread} waits for no sub-agent; the answer cannot go to ${answerFor}.`, { subject: thread });
  if (waiting.some(isQuestionRequest)) return answer;
  const hint = waiting.some((v) => (v as { kind?: string })?.kind === "approve_code")
    ? { hint: "(it waits for an approval of a code action: resume it with onApproval, without an answer).", step: "resume_with_approval" as const }
    : { hint: "(it has no question pending: resume it without an answer).", step: "resume_without_answer" as const };
  throw new NotWaitingError(`Thread ${thread} is not waiting for an answer`, { ...hint, subject: thread });
}

/** The waiting sub-agent an answer is for: the one named, or the only one asking a question. */
function childFor(thread: string, waiting: ChildrenWaiting, answerFor: string | undefined) {
  const asking = waiting.children.filter((c) => isQuestionRequest(c.request));
  const list = waiting.children.map((c) => `${c.thread} (${c.agent}, ${isQuestionRequest(c.request) ? "a question" : "an approval"})`).join(", ");
  if (answerFor === undefined) {
    if (asking.length === 1) return asking[0]!;
    throw new NotWaitingError(`Thread ${thread} waits for ${asking.length} sub-agents' answers: ${list}`, { hint: "Say which one the answer is for (--for <child thread>).", subject: thread });
  }
  const child = waiting.children.find((c) => c.thread === answerFor || c.interruptId === answerFor);
  if (!child) throw new NotWaitingError(`Thread ${thread} waits for no sub-agent ${answerFor}; it waits for ${list}`, { subject: thread });
  if (!isQuestionRequest(child.request)) throw new NotWaitingError(`Sub-agent ${child.thread} waits for an approval, not an answer.`, { hint: "Resume the thread with --approve to decide at the terminal.", subject: child.thread });
  return child;
}
