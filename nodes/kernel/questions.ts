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
 * after the approval interrupt (if any) that the node asks first.
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { type BaseCheckpointSaver, interrupt, isGraphInterrupt, isInvalidResume, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { AnswerSchema, answerText, type QuestionRequest } from "../../graphs/state/question";
import type { QuestionReply, RecordedAnswer } from "../../tools/bridge";

export class CellQuestions {
  /** Questions answered during this cell, in order (Cell.answers). */
  readonly answers: RecordedAnswer[] = [];
  /** What the node must throw once the cell has ended: the pending question's GraphInterrupt, or a refused resume. */
  stop: unknown;
  /** The question the run now waits for (set with `stop` when it is a GraphInterrupt). */
  waitingFor: QuestionRequest | undefined;
  private readonly config: LangGraphRunnableConfig;

  /** Call at the start of the node, before any await: the graph's context is taken from there. */
  constructor(
    config: LangGraphRunnableConfig,
    private readonly step: number,
  ) {
    // interrupt() reads the node's config (its resume values, its interrupt counter) from the async
    // context; a stdin callback runs elsewhere, so the config is handed back explicitly.
    this.config = AsyncLocalStorageProviderSingleton.getRunnableConfig() ?? config;
  }

  readonly answer = (question: string): QuestionReply => {
    // After a pending question nothing more is asked: the cell is stopping (even if the code caught it).
    if (this.stop !== undefined) return { pending: true };
    const request: QuestionRequest = { kind: "ask_user", question, step: this.step };
    try {
      const resumed = AsyncLocalStorageProviderSingleton.runWithConfig(this.config, () => interrupt(request, { responseSchema: AnswerSchema }));
      const answer = answerText(resumed);
      this.answers.push({ question, answer });
      return { answer };
    } catch (err) {
      if (isGraphInterrupt(err) || isInvalidResume(err)) {
        this.stop = err;
        if (isGraphInterrupt(err)) this.waitingFor = request;
        return { pending: true };
      }
      // No checkpointer (a graph compiled without one cannot pause): the code learns it cannot ask.
      return { error: `ask_user() cannot pause this run: ${(err as Error).message}` };
    }
  };

  /** True when the answers came from a resume, i.e. this cell ran before up to its first question. */
  get rerun(): boolean {
    return this.answers.length > 0;
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
