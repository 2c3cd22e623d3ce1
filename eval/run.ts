/**
 * `codeact eval`: every task of a suite, in each action format, on its own thread with a kernel of
 * its own; results appended to results.jsonl as tasks finish, so an interrupted eval resumes
 * where it stopped (finished tasks are not run again).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { z } from "zod";
import { type CheckpointerConfig, createCheckpointer } from "../checkpoints/savers";
import { createExecutor, type ExecutorChoice } from "../executors/factory";
import { createPaperGraph, type PaperGraph, type PaperStateValue, runPaperTask } from "../graphs/paper";
import { createRuntime } from "../graphs/runtime";
import { type ActionFormat, type RunSettings, RunSettingsSchema } from "../graphs/state/settings";
import type { RoleModels } from "../nodes/models/models";
import { CodeActError, errorCodeOf } from "../errors";
import { redactSecrets } from "../errors/redact";
import { runFullTask } from "./full";
import { upstreamProtocol } from "./m3-loop";
import { checkSameModel, type ModelRecord, ModelRecordSchema, modelRecord } from "./identity";
import { Judge, renderPrompt } from "./judge";
import { appendResult, latestResults, readResults, resultKey, summarize, type Summary, type TaskResult } from "./results";
import { type SuiteSource, SuitePrelude, type TaskInfo } from "./suite";

export type AgentKind = "paper" | "full";

export interface EvalOptions {
  suite: SuiteSource;
  formats: ActionFormat[];
  agent: AgentKind;
  /** The model for one task in one format (a fresh scripted model per task in tests). */
  modelFor: (task: TaskInfo, format: ActionFormat) => BaseChatModel;
  /** For --agent full: the planner, coder and critic models (default: modelFor's model in every role). */
  rolesFor?: (task: TaskInfo, format: ActionFormat) => RoleModels;
  /** Where results.jsonl and eval.json go. */
  out: string;
  resume?: boolean;
  maxTurns?: number;
  concurrency?: number;
  executor?: ExecutorChoice;
  checkpointer?: CheckpointerConfig;
  /** The model's name, as the run settings, eval.json and each result row record it (the models themselves come from modelFor / rolesFor). */
  model?: string;
  /** For --agent full: each role's model name, when not `model`. */
  roles?: Partial<Record<"planner" | "coder" | "critic", string>>;
  /** The endpoint's URL (recorded without its credentials). */
  endpoint?: string | null;
  /** Resume even though the eval was run with another model (its table then mixes the two). */
  allowModelChange?: boolean;
  /** Only tasks whose id matches. */
  filter?: RegExp;
  cellTimeoutMs?: number;
  log?: (line: string) => void;
}

export interface EvalReport {
  evalId: string;
  out: string;
  results: TaskResult[];
  summaries: Summary[];
  skipped: number;
  /** Tasks that could not finish this time (status "error"), each with its error. */
  failed: TaskResult[];
  model: ModelRecord;
}

/** What an eval was started with; a resume must ask for the same thing. */
const EvalConfigSchema = z.object({ evalId: z.string(), suite: z.string(), kind: z.string(), agent: z.string(), maxTurns: z.number(), model: ModelRecordSchema.optional() });

/** A thread id from the eval, format, agent and task: readable, and unique even when task ids are not safe characters. */
export function taskThreadId(evalId: string, agent: AgentKind, format: ActionFormat, taskId: string): string {
  const safe = taskId.replace(/[^A-Za-z0-9._-]+/g, "_").slice(0, 60);
  const hash = createHash("sha256").update(taskId).digest("hex").slice(0, 6);
  return `${evalId}.${agent}.${format}.${safe}.${hash}`;
}

/** The eval's settings: an earlier one's when resuming (checked to match), else new ones, written once the suite has loaded. */
export function evalConfig(opts: Pick<EvalOptions, "out" | "suite" | "agent" | "maxTurns" | "resume" | "model" | "roles" | "endpoint" | "allowModelChange">): { config: z.infer<typeof EvalConfigSchema>; save: () => void } {
  const path = join(opts.out, "eval.json");
  const model = recordOf(opts);
  const fresh = { evalId: `eval-${createHash("sha256").update(`${opts.out}${Date.now()}`).digest("hex").slice(0, 8)}`, suite: opts.suite.name, kind: opts.suite.kind, agent: opts.agent, maxTurns: opts.maxTurns ?? 10, model };
  if (!existsSync(path)) {
    return {
      config: fresh,
      save: () => {
        mkdirSync(opts.out, { recursive: true });
        writeFileSync(path, `${JSON.stringify(fresh, null, 1)}\n`);
      },
    };
  }
  let prev;
  try {
    prev = EvalConfigSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  } catch {
    prev = undefined;
  }
  if (!prev?.success) {
    throw new CodeActError("usage", `${path} is not an eval's settings file;`, { hint: "choose another output folder (out).", step: "choose_eval_out" });
  }
  if (!opts.resume) {
    throw new CodeActError("conflict", `${opts.out} already holds an eval (${prev.data.evalId}).`, {
      hint: "Continue it with resume: true, or choose another output folder (out).",
      step: "resume_eval",
    });
  }
  const p = prev.data;
  if (p.suite !== fresh.suite || p.kind !== fresh.kind || p.agent !== fresh.agent || p.maxTurns !== fresh.maxTurns) {
    throw new CodeActError("conflict", `${opts.out} holds an eval of suite ${p.suite}, agent ${p.agent}, ${p.maxTurns} turns; resume it with the same settings, or`, {
      hint: "choose another output folder (out).",
      step: "choose_eval_out",
    });
  }
  checkSameModel(opts.out, p.model, model, Boolean(opts.allowModelChange));
  // An allowed change is recorded: eval.json names the model that runs from now on.
  const config = { ...p, model };
  return { config, save: () => writeFileSync(path, `${JSON.stringify(config, null, 1)}\n`) };
}

export async function runEval(opts: EvalOptions): Promise<EvalReport> {
  const log = opts.log ?? (() => undefined);
  const maxTurns = opts.maxTurns ?? 10;
  const { config, save } = evalConfig(opts);
  const evalId = config.evalId;
  const resultsPath = join(opts.out, "results.jsonl");
  const earlier = readResults(resultsPath);
  // A task that failed with an error is not finished: a resume runs it again.
  const done = new Set(latestResults(earlier).filter((r) => r.status !== "error").map(resultKey));

  const judgeKernel = await createExecutor({ ...opts.executor, threadId: `${evalId}.judge` });
  const store = await createCheckpointer(opts.checkpointer);
  const fresh: TaskResult[] = [];
  try {
    const judge = new Judge(opts.suite, judgeKernel);
    await judge.start();
    const tasks = (await judge.tasks()).filter((t) => !opts.filter || opts.filter.test(t.id));
    if (!tasks.length) throw new CodeActError("not_found", `No tasks in suite ${opts.suite.name}${opts.filter ? ` match ${opts.filter}` : ""}.`);
    save();
    const jobs = opts.formats.flatMap((format) => tasks.map((task) => ({ task, format }))).filter((j) => !done.has(resultKey({ agent: opts.agent, format: j.format, taskId: j.task.id })));
    if (earlier.length) log(`resuming ${evalId}: ${earlier.length} tasks already finished, ${jobs.length} to run`);
    let next = 0;
    const worker = async () => {
      while (next < jobs.length) {
        const job = jobs[next++]!;
        const result = await runOne(opts, evalId, judge, store.saver, job.task, job.format, maxTurns);
        appendResult(resultsPath, result);
        fresh.push(result);
        log(`${result.correct ? "✓" : "✗"} ${job.format} ${job.task.id} (${result.turns} turns, ${result.status}${result.error ? `: ${result.error.message.split("\n")[0]}` : ""})`);
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 1, jobs.length || 1)) }, worker));
  } finally {
    await judgeKernel.shutdown().catch(() => undefined);
    await store.close();
  }
  const results = latestResults(readResults(resultsPath)).filter((r) => r.agent === opts.agent && opts.formats.includes(r.format));
  return { evalId, out: opts.out, results, summaries: summarize(results), skipped: done.size, failed: fresh.filter((r) => r.status === "error"), model: config.model ?? recordOf(opts) };
}

function recordOf(opts: Pick<EvalOptions, "agent" | "model" | "roles" | "endpoint">): ModelRecord {
  return modelRecord(opts.agent, opts.model ?? "gpt-4o-mini", opts.roles, opts.endpoint);
}

async function runOne(opts: EvalOptions, evalId: string, judge: Judge, saver: Awaited<ReturnType<typeof createCheckpointer>>["saver"], task: TaskInfo, format: ActionFormat, maxTurns: number): Promise<TaskResult> {
  const threadId = taskThreadId(evalId, opts.agent, format, task.id);
  // A task cut short by a kill starts over: its kernel's state is gone and a half run would skew turns.
  if (await saver.getTuple({ configurable: { thread_id: threadId } })) await saver.deleteThread(threadId);
  const settings = evalRunSettings(opts, format);
  const one = (m: BaseChatModel) => ({ planner: m, coder: m, critic: m });
  const models = opts.agent === "full" ? (opts.rolesFor?.(task, format) ?? one(opts.modelFor(task, format))) : one(opts.modelFor(task, format));
  const started = Date.now();
  let paper: PaperGraph | undefined;
  let close = async () => undefined as void;
  try {
    const runtime = await createRuntime(settings, { threadId, secrets: { remoteToken: opts.executor?.remoteToken }, kernel: new SuitePrelude(opts.suite, task), models });
    const executor = runtime.executor;
    close = runtime.close;
    await executor.start();
    if (opts.agent === "full") {
      const o = await runFullTask({ models, executor, judge, task, settings, threadId, saver });
      return { ...base(opts, task, format, threadId), ...o, wallMs: Date.now() - started, selfDebugged: o.errors > 0 && o.correct };
    }
    const graph = (paper = createPaperGraph({
      model: models.coder,
      executor,
      format,
      check: (answer) => judge.check(task.id, answer),
      maxTurns,
      cellTimeoutMs: opts.cellTimeoutMs,
      checkpointer: saver,
      // On M3ToolEval the paper's agent is upstream's loop, so its scores compare with the paper's table.
      protocol: opts.suite.kind === "m3tooleval" ? upstreamProtocol({ executor, format, check: (answer) => judge.check(task.id, answer), cellTimeoutMs: opts.cellTimeoutMs }) : undefined,
    }));
    const state = await runPaperTask(graph, { prompt: renderPrompt(task, format), task: task.instruction, taskId: task.id, format }, threadId, maxTurns);
    return toResult(opts, task, format, threadId, state, Date.now() - started);
  } catch (err) {
    // One task's failure (its model endpoint, its kernel) is its own result; the eval goes on.
    const state = paper && ((await paper.getState({ configurable: { thread_id: threadId } }).catch(() => undefined))?.values as PaperStateValue | undefined);
    const ran = state?.messages ? toResult(opts, task, format, threadId, state, 0) : undefined;
    return {
      ...base(opts, task, format, threadId),
      correct: false,
      tolerant: false,
      answer: ran?.answer ?? null,
      turns: ran?.turns ?? 0,
      modelCalls: ran?.modelCalls ?? 0,
      tokens: ran?.tokens ?? 0,
      errors: ran?.errors ?? 0,
      selfDebugged: false,
      wallMs: Date.now() - started,
      status: "error",
      error: { code: errorCodeOf(err), message: redactSecrets((err as Error)?.message ?? String(err)) },
    };
  } finally {
    await close();
  }
}

/** Eval's converter: one task's run settings in one format (the remote token stays in opts.executor). */
export function evalRunSettings(opts: Pick<EvalOptions, "executor" | "maxTurns" | "cellTimeoutMs" | "model">, format: ActionFormat): RunSettings {
  const { kind, remoteUrl, limits } = opts.executor ?? {};
  return RunSettingsSchema.parse({
    models: { default: opts.model ?? "gpt-4o-mini" },
    executor: { kind, remoteUrl: remoteUrl ?? null, limits },
    budgets: { maxIterations: opts.maxTurns ?? 10, ...(opts.cellTimeoutMs ? { cellTimeoutMs: opts.cellTimeoutMs } : {}) },
    actionFormat: format,
  });
}

function base(opts: EvalOptions, task: TaskInfo, format: ActionFormat, threadId: string) {
  return { suite: opts.suite.name, agent: opts.agent, format, taskId: task.id, domain: task.domain, threadId, expected: task.expected, finishedAt: new Date().toISOString(), ...recordOf(opts) };
}

function toResult(opts: EvalOptions, task: TaskInfo, format: ActionFormat, threadId: string, s: PaperStateValue, wallMs: number): TaskResult {
  const errors = s.messages.filter((m) => m.kind === "observation" && m.error).length;
  return {
    ...base(opts, task, format, threadId),
    correct: s.correct,
    tolerant: s.tolerant,
    status: s.status,
    answer: s.answer,
    turns: s.turns,
    modelCalls: s.turns,
    tokens: s.tokens,
    wallMs,
    errors,
    selfDebugged: errors > 0 && s.correct,
  };
}
