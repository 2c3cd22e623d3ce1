/**
 * `codeact eval api-bank`: API-Bank level-1 as the CodeAct paper scores it (code-act
 * scripts/eval/api-bank/evaluator.py with --api_test_enabled, per action format). Each item is one
 * model call on upstream's messages; the reply's call runs on a fresh ToolManager in a task kernel
 * and the API's own check runs in the judge kernel, which alone is given the gold line. Every row
 * also carries the item's ceiling: the gold call rendered in the format and scored the same way.
 * Rows are appended to results.jsonl as items finish, so a killed eval resumes where it stopped.
 */
import { join } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import { createExecutor, type ExecutorChoice } from "../../executors/factory";
import { withMaxTokens } from "../../graphs/paper";
import type { ActionFormat } from "../../graphs/state/settings";
import { callModel } from "../../nodes/context";
import { errorCodeOf } from "../../errors";
import { redactSecrets } from "../../errors/redact";
import type { ModelRecord } from "../identity";
import { appendResult, latestResults, readResults, resultKey, type TaskResult } from "../results";
import { evalConfig } from "../run";
import type { SuiteSource } from "../suite";
import { type ApiBankItem, loadItems } from "./items";
import { type ApiBankMessage, type ApiBankVerdict, ApiBankKernel, ApiBankPrelude } from "./kernel";
import { type ApiBankSummary, summarizeApiBank } from "./summary";

/** code-act's OpenAIChatWrapper sends max_tokens=512 and nothing else. */
export const API_BANK_MAX_TOKENS = 512;
const ANSWER_CHARS = 4000;

export interface ApiBankOptions {
  suite: SuiteSource;
  formats: ActionFormat[];
  /** The model for one item in one format (a scripted model per item in tests); absent with `oracle`. */
  modelFor?: (format: ActionFormat, item: ApiBankItem) => BaseChatModel;
  /** Answer each item with its own gold call rendered in the format (the benchmark's ceiling). */
  oracle?: boolean;
  out: string;
  resume?: boolean;
  concurrency?: number;
  executor?: ExecutorChoice;
  model?: string;
  endpoint?: string | null;
  allowModelChange?: boolean;
  /** Only items whose id (`<dialogue file>-<n>`) matches. */
  filter?: RegExp;
  log?: (line: string) => void;
}

export interface ApiBankReport {
  evalId: string;
  out: string;
  results: TaskResult[];
  summaries: ApiBankSummary[];
  skipped: number;
  failed: TaskResult[];
  model: ModelRecord;
  /** Packages the kernels replaced with inert stand-ins. */
  stubs: string[];
}

const CONTEXT_EXCEEDED = /maximum context length|context[_ ]length[_ ]exceeded|context window/i;

const toMessages = (messages: ApiBankMessage[]): BaseMessage[] => messages.map((m) => (m.role === "system" ? new SystemMessage(m.content) : m.role === "user" ? new HumanMessage(m.content) : new AIMessage(m.content)));

export async function runApiBank(opts: ApiBankOptions): Promise<ApiBankReport> {
  const log = opts.log ?? (() => undefined);
  if (!opts.oracle && !opts.modelFor) throw new Error("runApiBank needs modelFor, or oracle: true");
  const model = opts.oracle ? "oracle" : (opts.model ?? "gpt-4o-mini");
  const { config, save } = evalConfig({ out: opts.out, suite: opts.suite, agent: "paper", maxTurns: 1, resume: opts.resume, model, endpoint: opts.oracle ? null : opts.endpoint, allowModelChange: opts.allowModelChange });
  const evalId = config.evalId;
  const record = config.model!;
  const items = loadItems(opts.suite.dir).filter((i) => !opts.filter || opts.filter.test(i.id));
  if (!items.length) throw new Error(`No API-Bank items${opts.filter ? ` match ${opts.filter}` : ""}.`);
  const resultsPath = join(opts.out, "results.jsonl");
  const earlier = readResults(resultsPath);
  const done = new Set(latestResults(earlier).filter((r) => r.status !== "error").map(resultKey));
  const jobs = opts.formats.flatMap((format) => items.map((item) => ({ item, format }))).filter((j) => !done.has(resultKey({ agent: "paper", format: j.format, taskId: j.item.id })));
  const workers = Math.max(1, Math.min(opts.concurrency ?? 1, jobs.length || 1));

  const prelude = new ApiBankPrelude(opts.suite.dir);
  const kernel = async (name: string) => new ApiBankKernel(await createExecutor({ ...opts.executor, threadId: `${evalId}.${name}` }, prelude));
  const opened: ApiBankKernel[] = [];
  const fresh: TaskResult[] = [];
  let stubs: string[] = [];
  try {
    const judge = await kernel("judge");
    opened.push(judge);
    const tasks = await Promise.all(Array.from({ length: jobs.length ? workers : 0 }, (_, i) => kernel(`task${i}`)));
    opened.push(...tasks);
    await Promise.all(opened.map((k) => k.start()));
    stubs = await judge.stubs();
    save();
    log(`API-Bank level-1: ${items.length} items; inert stand-ins in the sandbox for ${stubs.join(", ") || "nothing"}`);
    if (earlier.length) log(`resuming ${evalId}: ${earlier.length} items already finished, ${jobs.length} to run`);
    let next = 0;
    await Promise.all(
      tasks.map(async (task) => {
        while (next < jobs.length) {
          const job = jobs[next++]!;
          const row = await runItem(opts, record, task, judge, job.item, job.format);
          appendResult(resultsPath, row);
          fresh.push(row);
          const d = row.apiBank;
          log(`${row.correct ? "✓" : "✗"} ${job.format} ${job.item.id} ${job.item.goldName} (${row.status === "error" ? `error: ${row.error?.message.split("\n")[0]}` : d?.reason}; ceiling ${d?.ceiling.correct ? "✓" : "✗"})`);
        }
      }),
    );
  } finally {
    await Promise.all(opened.map((k) => k.executor.shutdown().catch(() => undefined)));
  }
  const results = latestResults(readResults(resultsPath)).filter((r) => r.agent === "paper" && opts.formats.includes(r.format));
  return { evalId, out: opts.out, results, summaries: summarizeApiBank(results), skipped: done.size, failed: fresh.filter((r) => r.status === "error"), model: record, stubs };
}

async function runItem(opts: ApiBankOptions, record: ModelRecord, task: ApiBankKernel, judge: ApiBankKernel, item: ApiBankItem, format: ActionFormat): Promise<TaskResult> {
  const started = Date.now();
  const base = {
    suite: opts.suite.name,
    agent: "paper" as const,
    format,
    taskId: item.id,
    domain: item.goldName,
    // One model call, no thread: nothing to checkpoint.
    threadId: "",
    expected: JSON.stringify({ api_name: item.goldName, param_dict: item.goldParams }),
    turns: 1,
    errors: 0,
    selfDebugged: false,
    ...record,
  };
  let reply: string | null = null;
  let tokens = 0;
  let calls = 0;
  let ceiling: ApiBankVerdict | undefined;
  try {
    // The ceiling first: an item whose model fails still has it.
    ceiling = await judge.ceiling(format, item);
    const messages = await task.messages(format, item);
    let status = "done";
    let verdict: ApiBankVerdict;
    if (opts.oracle) reply = await judge.goldReply(format, item);
    else {
      calls = 1;
      try {
        const r = await callModel(withMaxTokens(opts.modelFor!(format, item), API_BANK_MAX_TOKENS), toMessages(messages));
        reply = r.text;
        tokens = r.tokens;
      } catch (err) {
        // As upstream: a prompt over the model's context scores 0 and the eval goes on.
        if (!CONTEXT_EXCEEDED.test((err as Error)?.message ?? "")) throw err;
        status = "context_exceeded";
      }
    }
    if (reply === null) verdict = { correct: false, reason: "context_exceeded", detail: "Context Exceeded", network: false };
    else verdict = await judge.check(item, await task.call(format, reply));
    const answer = reply === null ? null : reply.length > ANSWER_CHARS ? `${reply.slice(0, ANSWER_CHARS)}…` : reply;
    return { ...base, correct: verdict.correct, tolerant: verdict.correct, status, answer, modelCalls: calls, tokens, wallMs: Date.now() - started, finishedAt: new Date().toISOString(), apiBank: { ...verdict, api: item.goldName, ceiling } };
  } catch (err) {
    // One item's failure (its model endpoint, a kernel) is its own row; the eval goes on, a resume reruns it.
    const code = errorCodeOf(err);
    if (code === "sandbox") await task.executor.restart().catch(() => undefined);
    const message = redactSecrets((err as Error)?.message ?? String(err));
    return {
      ...base,
      correct: false,
      tolerant: false,
      status: "error",
      answer: reply,
      modelCalls: calls,
      tokens,
      wallMs: Date.now() - started,
      finishedAt: new Date().toISOString(),
      error: { code, message },
      ...(ceiling ? { apiBank: { correct: false, reason: "error", detail: message.slice(0, 500), network: ceiling.network, api: item.goldName, ceiling } } : {}),
    };
  }
}
