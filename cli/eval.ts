/** `codeact eval <suite>`: the paper's comparison of action formats, for a model and an agent. */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import type { Command } from "commander";
import { z } from "zod";
import { codeactHome } from "../executors/setup-state";
import type { ActionFormat, ExecutorKind } from "../graphs/state/settings";
import { createRoleModels, modelConfigFromEnv } from "../nodes/models/models";
import { ScriptedChatModel } from "../nodes/models/scripted-model";
import { type AgentKind, runEval } from "../eval/run";
import { runApiBankCommand } from "./eval-api-bank";
import { formatTable } from "../eval/results";
import { FORMATS, resolveSuite } from "../eval/suite";
import { checkpointerFromFlags, type RunFlags } from "./run";
import { CodeActError, ERROR_CODES, type ErrorCode } from "../errors";
import { inert } from "../exports/inert";
import { exitCodeFor } from "./exit-codes";
import { UsageError } from "./flags";

interface EvalFlags {
  actionFormat: string;
  agent: string;
  maxTurns: number;
  concurrency: number;
  from?: string;
  out?: string;
  resume?: boolean | string;
  tasks?: string;
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  executor: ExecutorKind;
  remoteUrl?: string;
  cellTimeout?: number;
  checkpoints?: string;
  postgres?: string;
  scripted?: string;
  allowModelChange?: boolean;
  oracle?: boolean;
}

/** Replies per task and format, for offline runs and tests: {delayMs?, tasks: {<id>: {code: [...], json: [...]}}, default?: [...]}. */
const ScriptFileSchema = z.object({
  delayMs: z.number().int().min(0).default(0),
  tasks: z.record(z.string(), z.partialRecord(z.enum(FORMATS), z.array(z.string()))).default({}),
  default: z.array(z.string()).optional(),
});

function scriptedFor(path: string) {
  let parsed;
  try {
    parsed = ScriptFileSchema.safeParse(JSON.parse(readFileSync(path, "utf8")));
  } catch (err) {
    throw new UsageError(`Cannot read the script file ${path}: ${(err as Error).message}`);
  }
  if (!parsed.success) throw new UsageError(`${path} is not an eval script: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
  const s = parsed.data;
  return (taskId: string, format: ActionFormat) => {
    const script = s.tasks[taskId]?.[format] ?? s.default;
    if (!script) throw new UsageError(`${path} has no replies for task ${taskId} in the ${format} format (and no "default").`);
    return new ScriptedChatModel({ script, delayMs: s.delayMs, whenExhausted: "repeat-last" });
  };
}

function positive(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`expected a whole number above 0, got "${v}"`);
  return n;
}

/** The newest eval folder of this suite under $CODEACT_HOME/evals (for a bare --resume). */
function latestEval(suite: string): string {
  const root = join(codeactHome(), "evals");
  const found = existsSync(root)
    ? readdirSync(root)
        .filter((d) => d.startsWith(`${suite}-`) && existsSync(join(root, d, "eval.json")))
        .map((d) => join(root, d))
        .sort((a, b) => statSync(join(b, "eval.json")).mtimeMs - statSync(join(a, "eval.json")).mtimeMs)
    : [];
  if (!found.length) throw new CodeActError("not_found", `No earlier eval of ${suite} under ${root} to resume; pass --resume <folder> or --out <folder>.`);
  return found[0]!;
}

export function registerEval(program: Command): void {
  program
    .command("eval")
    .argument("<suite>", "toolbox (built in), a suite folder (tools.py + tasks.py), m3tooleval or api-bank (with --from)")
    .description("run every task of a suite in each action format; print success rate, turns, model calls, tokens and time")
    .option("--action-format <format>", "code | json | text | all", "code")
    .option("--agent <agent>", "paper (one model call per turn) | full (this project's graph)", "paper")
    .option("--max-turns <n>", "turns per task", positive, 10)
    .option("--concurrency <n>", "tasks at once (a kernel each)", positive, 1)
    .option("--from <folder>", "m3tooleval: its task package (default $CODEACT_M3TOOLEVAL_DIR); api-bank: API-Bank's api-bank/ folder (default $CODEACT_APIBANK_DIR)")
    .option("--out <folder>", "where results.jsonl goes (default $CODEACT_HOME/evals/<suite>-<time>)")
    .option("--resume [folder]", "continue an interrupted eval (default: the newest of this suite); finished tasks are not run again")
    .option("--tasks <regex>", "only tasks whose id matches")
    .option("--model <name>", "model name, or provider:name such as anthropic:claude-sonnet-4-5 (default $CODEACT_MODEL or gpt-4o-mini)")
    .option("--base-url <url>", "OpenAI-compatible endpoint (default $OPENAI_BASE_URL)")
    .option("--api-key <key>", "API key (default $OPENAI_API_KEY)")
    .option("--executor <kind>", "docker | local | remote | auto", "auto")
    .option("--remote-url <url>", "Jupyter Server / Gateway URL for --executor remote")
    .option("--cell-timeout <seconds>", "time limit per action", positive)
    .option("--checkpoints <file>", "SQLite checkpoint file (default $CODEACT_HOME/checkpoints.sqlite)")
    .option("--postgres <url>", "keep checkpoints in Postgres")
    .option("--scripted <file>", "replies per task from a JSON file instead of a model (offline runs, tests)")
    .option("--oracle", "api-bank: answer every item with its own gold call in the format (the benchmark's ceiling)")
    .option("--allow-model-change", "with --resume: continue an eval that ran with another model or endpoint (its table then mixes them)")
    .action(async (suiteName: string, f: EvalFlags) => {
      const formats: ActionFormat[] = f.actionFormat === "all" ? [...FORMATS] : FORMATS.includes(f.actionFormat as ActionFormat) ? [f.actionFormat as ActionFormat] : [];
      if (!formats.length) throw new UsageError(`--action-format must be code, json, text or all, not "${f.actionFormat}"`);
      if (f.agent !== "paper" && f.agent !== "full") throw new UsageError(`--agent must be paper or full, not "${f.agent}"`);
      let filter: RegExp | undefined;
      try {
        filter = f.tasks ? new RegExp(f.tasks) : undefined;
      } catch (err) {
        throw new UsageError(`--tasks is not a regular expression: ${(err as Error).message}`);
      }
      const suite = resolveSuite(suiteName, f.from);
      if (f.oracle && suite.kind !== "api-bank") throw new UsageError("--oracle is for the api-bank suite.");
      const stamp = new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "").replace("T", "-");
      const out = resolve(f.out ?? (typeof f.resume === "string" ? f.resume : f.resume ? latestEval(suite.name) : join(codeactHome(), "evals", `${suite.name}-${stamp}`)));
      let modelFor;
      let rolesFor;
      let identity: { model: string; roles?: Partial<Record<"planner" | "coder" | "critic", string>>; endpoint?: string | null };
      if (f.oracle) {
        if (f.scripted || f.model) throw new UsageError("--oracle answers with the gold calls: give no --model or --scripted with it.");
        modelFor = () => {
          throw new UsageError("--oracle has no model");
        };
        identity = { model: "oracle", endpoint: null };
      } else if (f.scripted) {
        if (f.agent === "full") throw new UsageError("--scripted replays one model's replies: use it with --agent paper.");
        const make = scriptedFor(f.scripted);
        modelFor = (task: { id: string }, format: ActionFormat) => make(task.id, format);
        identity = { model: `scripted:${basename(f.scripted)}`, endpoint: null };
      } else {
        const env = modelConfigFromEnv(process.env, f.model);
        const config = { ...env, model: f.model ?? env.model, baseUrl: f.baseUrl ?? env.baseUrl, apiKey: f.apiKey ?? env.apiKey };
        const roles = createRoleModels(config);
        identity = { model: config.model ?? "gpt-4o-mini", roles: config.roles, endpoint: config.baseUrl ?? null };
        modelFor = () => roles.coder;
        rolesFor = () => roles;
      }
      const log = (line: string) => process.stderr.write(`${line}\n`);
      log(`eval ${suite.name} → ${out}`);
      if (suite.kind === "api-bank") {
        if (f.agent !== "paper") throw new UsageError("api-bank is one model call per item (the paper's protocol): use --agent paper.");
        return runApiBankCommand({ suite, formats, out, flags: f, modelFor: f.oracle ? undefined : (format, item) => modelFor(item, format), identity, filter, log });
      }
      const report = await runEval({
        suite,
        formats,
        agent: f.agent as AgentKind,
        modelFor,
        rolesFor,
        out,
        resume: Boolean(f.resume),
        allowModelChange: Boolean(f.allowModelChange),
        ...identity,
        maxTurns: f.maxTurns,
        concurrency: f.concurrency,
        executor: { kind: f.executor, remoteUrl: f.remoteUrl },
        checkpointer: checkpointerFromFlags(f as RunFlags),
        filter,
        cellTimeoutMs: f.cellTimeout === undefined ? undefined : f.cellTimeout * 1000,
        log,
      });
      const tolerant = suite.kind === "m3tooleval" ? "tolerant (not upstream)" : "tolerant";
      console.log(formatTable(report.summaries, suite.name, tolerant));
      console.log(`per-task results: ${join(out, "results.jsonl")}`);
      // `codeact threads` hides eval threads: say how to see them, and how to clear them away.
      log(`threads: codeact threads --eval ${report.evalId}  (delete them with: codeact rm --eval ${report.evalId} --yes)`);
      console.log(JSON.stringify({ suite: suite.name, evalId: report.evalId, out, agent: f.agent, maxTurns: f.maxTurns, model: report.model, resumedTasks: report.skipped, failedTasks: report.failed.map((r) => ({ format: r.format, taskId: r.taskId, error: r.error })), results: report.summaries }));
      if (report.failed.length) {
        // Wrong answers are results; a task that could not run is a failure: the exit code is its kind's (7 a model endpoint, 8 the sandbox…).
        log(`${report.failed.length} task(s) could not finish (a resume runs them again): ${report.failed.map((r) => `${r.format} ${r.taskId}: ${inert(r.error?.message.split("\n")[0] ?? "")}`).join("; ")}`);
        const code = report.failed[0]!.error?.code ?? "internal";
        process.exitCode = exitCodeFor((ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : "internal");
      }
    });
}
