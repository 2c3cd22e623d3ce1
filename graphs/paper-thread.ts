/**
 * A paper-agent thread (graphs/paper.ts) read as a thread like any other: its conversation's
 * actions become cells (the observation the model saw is the cell's output), a wrong answer is the
 * checker's verdict where it came, and the loop is one turn of one step. `history` and every export
 * then read it through the one view, instead of failing on channels the full graph does not have.
 */
import type { CheckpointTuple } from "@langchain/langgraph-checkpoint";
import { parseFormattedAction } from "../nodes/prompting/actions";
import type { PaperStateValue } from "./paper";
import type { Cell } from "./state/cell";
import type { CodeActStateValue, Critique } from "./state/state";

/** True when the checkpoint was written by the paper agent (its channels differ from the graph's). */
export const isPaperCheckpoint = (tuple: CheckpointTuple | undefined): boolean => Boolean(tuple && "format" in (tuple.checkpoint.channel_values ?? {}));

/** What ran: the Python of a code action; for a tool call (JSON or text format) the reply's action as written. */
function actionCode(reply: string, format: PaperStateValue["format"]): string {
  const action = parseFormattedAction(reply, format);
  return action.kind === "code" ? action.code : reply.trim();
}

/** The paper thread's state in the full graph's shape (the fields a reader uses). */
export function paperAsState(p: PaperStateValue): CodeActStateValue {
  const messages = p.messages ?? [];
  const cells: Cell[] = [];
  const critiques: Critique[] = [];
  messages.forEach((m, i) => {
    const reply = messages[i - 1];
    if (m.kind === "observation" && reply?.kind === "reply") {
      const status = m.error ? "error" : "ok";
      cells.push({ id: `paper-${i}`, step: 0, attempt: 0, code: actionCode(reply.content, p.format ?? "code"), result: { status, stdout: m.content, stderr: "", results: [], toolCalls: [], durationMs: 0, truncated: false }, startedAt: "" });
    } else if (m.kind === "feedback" || m.kind === "invalid") {
      const said = reply?.kind === "reply" ? parseFormattedAction(reply.content, p.format ?? "code") : undefined;
      const feedback = said?.kind === "answer" ? `Answer "${said.answer}": ${m.content}` : m.content;
      critiques.push({ step: 0, verdict: "next", feedback, turn: 0, afterCells: cells.length });
    }
  });
  const answered = p.status === "done" ? p.answer : null;
  const wrong = p.status !== "done" && p.answer !== null ? `; last answer "${p.answer}" was not correct` : "";
  return {
    task: p.task,
    inputs: [],
    systemPrompts: [],
    turn: 0,
    request: p.task,
    turnFirstCell: 0,
    turns: [],
    plan: [],
    currentStep: 0,
    cells,
    critiques,
    messages: [],
    stepClaimed: false,
    pendingAction: null,
    observation: "",
    debugAttempts: 0,
    iterations: p.turns ?? 0,
    invalidOutputs: messages.filter((m) => m.kind === "invalid").length,
    replans: 0,
    feedback: "",
    tokens: p.tokens ?? 0,
    modelCalls: p.turns ?? 0,
    startedAt: p.startedAt ?? 0,
    status: p.status ?? "running",
    statusDetail: `${p.statusDetail ?? ""}${wrong}`.replace(/^; /, ""),
    answer: answered,
    answerFiles: [],
    rejected: false,
  };
}
