/**
 * One eval task run by this project's full graph (planner, coder, executor, critic) instead of the
 * paper's single loop. Its answer is the critic-accepted one, checked once by the judge.
 */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import type { CodeExecutor } from "../executors/types";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { type ActionFormat, limitsOf, type RunSettings } from "../graphs/state/settings";
import type { RoleModels } from "../nodes/models/models";
import { renderPrompt, type Judge } from "./judge";
import type { TaskInfo } from "./suite";

export interface FullOutcome {
  correct: boolean;
  tolerant: boolean;
  status: string;
  answer: string | null;
  turns: number;
  modelCalls: number;
  tokens: number;
  errors: number;
}

/**
 * The task as the graph sees it. In the code format the graph keeps its own conventions
 * (`<execute>`, `<solution>`), so the task names the tools only; JSON and text use the suite's prompt.
 */
export function fullTaskText(task: TaskInfo, format: ActionFormat): string {
  if (format !== "code") return renderPrompt(task, format);
  const tools = task.tools.map((t) => `- ${t.signature}${t.doc ? `: ${t.doc.split("\n")[0]}` : ""}`).join("\n");
  return `These Python functions are already defined in the kernel:\n${tools}\n\nTask: ${task.instruction}\nThe final answer must be only the answer (for example a single number), with no other text.`;
}

export async function runFullTask(opts: {
  models: RoleModels;
  executor: CodeExecutor;
  judge: Judge;
  task: TaskInfo;
  /** The task's settings (eval/run.ts's evalRunSettings): its budgets and action format. */
  settings: RunSettings;
  threadId: string;
  saver: BaseCheckpointSaver;
}): Promise<FullOutcome> {
  const format = opts.settings.actionFormat;
  const graph = createCodeActGraph({
    models: opts.models,
    executor: opts.executor,
    limits: limitsOf(opts.settings),
    checkpointer: opts.saver,
    actionFormat: format,
    // An evaluation has nobody to answer ask_user(); the task's kernel keeps the suite's prelude.
    askUser: false,
  });
  const s = await runCodeAct(graph, fullTaskText(opts.task, format), { threadId: opts.threadId });
  const verdict = s.status === "done" && s.answer ? await opts.judge.check(opts.task.id, s.answer) : { correct: false, tolerant: false };
  return {
    ...verdict,
    status: s.status,
    answer: s.answer,
    turns: s.iterations,
    // One planner call per plan, one coder call per turn, one critic call per critique.
    modelCalls: 1 + s.replans + s.iterations + s.critiques.length,
    tokens: s.tokens,
    errors: s.cells.filter((c) => c.result.status !== "ok").length,
  };
}
