/**
 * ask_user() inside the executor node. Each question is one LangGraph interrupt, asked from the
 * kernel's stdin callback while the cell runs:
 *
 * - answered already (the run was resumed with Command({ resume })): interrupt() returns the answer
 *   at once and Python's ask_user() returns it;
 * - not yet: interrupt() throws GraphInterrupt. That is kept, Python is told to stop the cell
 *   (QuestionPending), and once the cell has ended the node throws it: the run pauses with the
 *   question as its interrupt value. On resume LangGraph runs the node again, so the cell runs again
 *   from its start and this time ask_user() returns the answer. Code before the question in that
 *   cell therefore runs more than once (at-least-once); the coder's prompt says to ask in a cell of
 *   its own, and the cell gets a note when code came before the question.
 *
 * interrupt() counts its calls per node run, so questions are matched to answers by their order,
 * after the approval interrupt (if any) that the node asks first. Sub-agents waiting for a person
 * (delegate()) stop the cell the same way, with the waiting children as the interrupt's value.
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { type BaseCheckpointSaver, type GraphInterrupt, interrupt, isGraphInterrupt, isInvalidResume, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { AnswerSchema, answerText, type QuestionRequest } from "../../graphs/state/question";
import { ChildrenAnswersSchema, type ChildrenWaiting, type WaitingChild } from "../../graphs/state/waiting";
import type { CellPeople, QuestionReply, RecordedAnswer } from "../../tools/bridge";

/** What resumes this node's questions: an answer to ask_user(), or answers for waiting sub-agents. */
const ResumeSchema = z.union([AnswerSchema, ChildrenAnswersSchema]);
type Resume = z.infer<typeof ResumeSchema>;
const isChildren = (r: Resume): r is z.infer<typeof ChildrenAnswersSchema> => typeof r === "object" && "children" in r;

/**
 * Sub-agents make the sequence of a cell's interrupts vary from one rerun to the next (a child that
 * waited may have finished since), while LangGraph matches resume values to interrupt() calls by
 * position. So the values are taken all at once, the first time the cell needs one: ask_user()
 * answers are handed out in order, children's answers are merged (they are keyed by unique
 * interrupt ids, so an older one cannot answer a newer question), and the one interrupt left pending
 * (`held`) is what the cell stops with, carrying whatever it turns out to wait for.
 */
export class CellQuestions implements CellPeople {
  /** Questions answered during this cell, in order (Cell.answers). */
  readonly answers: RecordedAnswer[] = [];
  /** What the node must throw once the cell has ended: the pending question's GraphInterrupt, or a refused resume. */
  stop: unknown;
  /** The question the run now waits for (set with `stop` when it is a GraphInterrupt). */
  waitingFor: QuestionRequest | undefined;
  /** The sub-agents the run now waits for (set with `stop`). */
  waitingChildren: ChildrenWaiting | undefined;
  private readonly config: LangGraphRunnableConfig;
  private taken: { values: Resume[]; held?: GraphInterrupt; failure?: string } | undefined;
  private nextAnswer = 0;

  /** Call at the start of the node, before any await: the graph's context is taken from there. */
  constructor(
    config: LangGraphRunnableConfig,
    private readonly step: number,
  ) {
    // interrupt() reads the node's config (its resume values, its interrupt counter) from the async
    // context; a stdin callback runs elsewhere, so the config is handed back explicitly.
    this.config = AsyncLocalStorageProviderSingleton.getRunnableConfig() ?? config;
  }

  /** Every resume value this action was given, and the pending interrupt after them. */
  private take() {
    if (this.taken) return this.taken;
    const taken: NonNullable<CellQuestions["taken"]> = { values: [] };
    for (;;) {
      try {
        taken.values.push(AsyncLocalStorageProviderSingleton.runWithConfig(this.config, () => interrupt({ kind: "ask_user", question: "", step: this.step }, { responseSchema: ResumeSchema })));
      } catch (err) {
        if (isGraphInterrupt(err)) taken.held = err as GraphInterrupt;
        else if (isInvalidResume(err)) this.stop = err;
        // No checkpointer (a graph compiled without one cannot pause).
        else taken.failure = (err as Error).message;
        break;
      }
    }
    this.taken = taken;
    return taken;
  }

  /** The cell stops with the held interrupt, now carrying `value`. */
  private hold(value: QuestionRequest | ChildrenWaiting): boolean {
    const { held } = this.take();
    if (!held || this.stop !== undefined) return false;
    const pending = held.interrupts[0];
    if (pending) pending.value = value;
    this.stop = held;
    return true;
  }

  readonly answer = (question: string): QuestionReply => {
    // After a pending question nothing more is asked: the cell is stopping (even if the code caught it).
    if (this.stop !== undefined) return { pending: true };
    const taken = this.take();
    if (this.stop !== undefined) return { pending: true };
    while (this.nextAnswer < taken.values.length) {
      const value = taken.values[this.nextAnswer++]!;
      if (isChildren(value)) continue;
      const answer = answerText(value);
      this.answers.push({ question, answer });
      return { answer };
    }
    if (taken.failure) return { error: `ask_user() cannot pause this run: ${taken.failure}` };
    const request: QuestionRequest = { kind: "ask_user", question, step: this.step };
    if (!this.hold(request)) return { pending: true };
    this.waitingFor = request;
    return { pending: true };
  };

  childAnswers(): { byInterrupt: Map<string, unknown>; byThread: Map<string, unknown> } {
    const { values } = this.take();
    const byInterrupt = new Map<string, unknown>();
    const byThread = new Map<string, unknown>();
    values.forEach((v, i) => {
      if (!isChildren(v)) return;
      for (const [key, answer] of Object.entries(v.children)) {
        byInterrupt.set(key, answer);
        if (i === values.length - 1) byThread.set(key, answer);
      }
    });
    return { byInterrupt, byThread };
  }

  waitForChildren(children: WaitingChild[]): ChildrenWaiting | undefined {
    const waiting: ChildrenWaiting = { kind: "children_waiting", step: this.step, children };
    if (this.stop !== undefined) {
      // Stopping already (an earlier wait in this cell): these children are waited for too.
      if (this.waitingChildren) this.waitingChildren.children.push(...children);
      return this.waitingChildren ?? waiting;
    }
    if (!this.hold(waiting)) return undefined;
    this.waitingChildren = waiting;
    return waiting;
  }

  /** True when answers came from a resume (to its questions or its children's), i.e. this cell ran before up to where it waited. */
  get rerun(): boolean {
    return this.answers.length > 0 || Boolean(this.taken?.values.some(isChildren));
  }
}

/**
 * How long the run waited for the person before this rerun started (ms): from the checkpoint the
 * node started from (written just before the cell first ran and asked) to `rerunAt`. The wall clock
 * limits the agent's own time: an answer given after lunch must not end the run at once.
 */
export async function answerWaitMs(config: LangGraphRunnableConfig, rerunAt: number, runStartedAt: number): Promise<number> {
  const saver = config.configurable?.__pregel_checkpointer as BaseCheckpointSaver | undefined;
  const threadId = config.configurable?.thread_id;
  if (!saver || !threadId || !runStartedAt) return 0;
  const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } }).catch(() => undefined);
  const since = Date.parse(tuple?.checkpoint.ts ?? "");
  if (!Number.isFinite(since)) return 0;
  return Math.max(0, Math.min(rerunAt - since, rerunAt - runStartedAt));
}

/** Whether code comes before the first ask_user( line of a cell (it then ran more than once). */
export function codeBeforeQuestion(code: string): boolean {
  const at = code.indexOf("ask_user(");
  if (at < 0) return false;
  const before = code.slice(0, code.lastIndexOf("\n", at) + 1);
  return before.split("\n").some((line) => line.trim() !== "" && !line.trim().startsWith("#"));
}
