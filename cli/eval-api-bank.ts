/** `codeact eval api-bank`: runs the suite and prints its table, then one JSON line last. */
import { join } from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ActionFormat, ExecutorKind } from "../graphs/state/settings";
import { runApiBank } from "../eval/api-bank/run";
import { formatApiBankTable } from "../eval/api-bank/summary";
import type { ApiBankItem } from "../eval/api-bank/items";
import type { SuiteSource } from "../eval/suite";
import { ERROR_CODES, type ErrorCode } from "../errors";
import { inert } from "../exports/inert";
import { exitCodeFor } from "./exit-codes";

export interface ApiBankCommand {
  suite: SuiteSource;
  formats: ActionFormat[];
  out: string;
  flags: { concurrency: number; resume?: boolean | string; executor: ExecutorKind; remoteUrl?: string; allowModelChange?: boolean; oracle?: boolean };
  modelFor?: (format: ActionFormat, item: ApiBankItem) => BaseChatModel;
  identity: { model: string; endpoint?: string | null };
  filter?: RegExp;
  log: (line: string) => void;
}

export async function runApiBankCommand(c: ApiBankCommand): Promise<void> {
  const report = await runApiBank({
    suite: c.suite,
    formats: c.formats,
    modelFor: c.modelFor,
    oracle: Boolean(c.flags.oracle),
    out: c.out,
    resume: Boolean(c.flags.resume),
    allowModelChange: Boolean(c.flags.allowModelChange),
    model: c.identity.model,
    endpoint: c.identity.endpoint,
    concurrency: c.flags.concurrency,
    executor: { kind: c.flags.executor, remoteUrl: c.flags.remoteUrl },
    filter: c.filter,
    log: c.log,
  });
  // API names come from the data folder: shown inert like any text from outside.
  console.log(inert(formatApiBankTable(report.summaries, report.model.model)));
  console.log(`per-item results: ${join(c.out, "results.jsonl")}`);
  console.log(
    JSON.stringify({
      suite: c.suite.name,
      evalId: report.evalId,
      out: c.out,
      oracle: Boolean(c.flags.oracle),
      model: report.model,
      standIns: report.stubs,
      resumedTasks: report.skipped,
      failedTasks: report.failed.map((r) => ({ format: r.format, taskId: r.taskId, error: r.error })),
      results: report.summaries,
    }),
  );
  if (report.failed.length) {
    c.log(`${report.failed.length} item(s) could not finish (a resume runs them again): ${report.failed.slice(0, 5).map((r) => `${r.format} ${r.taskId}: ${inert(r.error?.message.split("\n")[0] ?? "")}`).join("; ")}`);
    const code = report.failed[0]!.error?.code ?? "internal";
    process.exitCode = exitCodeFor((ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : "internal");
  }
}
