/**
 * The judge: a kernel of its own that loads the suite, lists its tasks and checks answers. No model
 * code runs in it, so no action can rewrite the check. Calls are serialised by the executor's queue.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { CodeExecutor } from "../executors/types";
import type { ActionFormat } from "../nodes/prompting/actions";
import type { Verdict } from "../graphs/paper";
import { formatObservation } from "../nodes/prompting/observation";
import { b64, type SuiteSource, SuitePrelude, type TaskInfo, TaskInfoSchema } from "./suite";
import { CodeActError } from "../errors";

const PAGE = 40_000;

async function run(executor: CodeExecutor, code: string): Promise<string> {
  const result = await executor.execute(code, { timeoutMs: 60_000 });
  if (result.status !== "ok") throw new Error(`The suite failed in the judge kernel:\n${formatObservation(result, 3000)}`);
  return result.stdout;
}

export class Judge {
  constructor(
    readonly suite: SuiteSource,
    private readonly executor: CodeExecutor,
  ) {}

  /** Installs the suite (the prelude) in the judge's kernel. */
  async start(): Promise<void> {
    if (!this.executor.setStdinHandler) throw new Error("the judge needs an executor that runs a prelude");
    await this.executor.setStdinHandler(new SuitePrelude(this.suite));
    try {
      await this.executor.start();
    } catch (err) {
      const why = /Kernel prelude failed \((.*)\)/s.exec((err as Error).message)?.[1];
      if (!why) throw err;
      const where = this.suite.kind === "codeact" ? `Fix ${this.suite.dir}/tools.py or tasks.py (see eval/suites/README.md).` : `Is ${this.suite.dir} the unchanged M3ToolEval package?`;
      throw new CodeActError("usage", `The suite ${this.suite.name} could not be loaded: ${why}.`, { hint: where });
    }
  }

  async tasks(): Promise<TaskInfo[]> {
    await run(this.executor, "_ce_list()");
    let text = "";
    for (;;) {
      const page = await run(this.executor, `_ce_list_chunk(${text.length}, ${PAGE})`);
      text += page;
      if (page.length < PAGE) break;
    }
    const parsed = z.array(TaskInfoSchema).safeParse(JSON.parse(text));
    if (!parsed.success) throw new CodeActError("usage", `The suite's task list is malformed: ${parsed.error.issues[0]?.path.join(".")}: ${parsed.error.issues[0]?.message}`);
    const ids = new Set<string>();
    for (const t of parsed.data) {
      if (ids.has(t.id)) throw new CodeActError("usage", `Two tasks share the id "${t.id}"; ids must be unique.`);
      ids.add(t.id);
    }
    return parsed.data;
  }

  async check(taskId: string, answer: string): Promise<Verdict> {
    const out = await run(this.executor, `_ce_check(${b64(taskId)}, ${b64(answer)})`);
    return z.object({ correct: z.boolean(), tolerant: z.boolean() }).parse(JSON.parse(out.trim().split("\n").pop() ?? ""));
  }
}

const templates = new Map<ActionFormat, string>();

/** The first user message: the suite's own prompt (M3ToolEval), else ours rendered from the task's tools. */
export function renderPrompt(task: TaskInfo, format: ActionFormat): string {
  if (task.prompts) return task.prompts[format];
  let template = templates.get(format);
  if (!template) templates.set(format, (template = readFileSync(join(__dirname, "prompts", `${format}.txt`), "utf8")));
  const tools = `You can use these tools:\n${task.tools
    .map((t, i) => `[${i + 1}] ${t.signature}${t.doc ? `\n    ${t.doc.split("\n").join("\n    ")}` : ""}`)
    .join("\n")}\n`;
  return template.replace("{tools}", () => tools).replace("{instruction}", () => task.instruction).trim();
}
