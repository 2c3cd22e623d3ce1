/**
 * Suites: where a suite's files are, what the kernel must run to load it (the prelude), and the
 * task list read back from a kernel. Two kinds: this project's format (a folder with tools.py and
 * tasks.py, see eval/suites/README.md) and the paper's M3ToolEval package (its `tasks` folder).
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { CodeActError, settingLabel } from "../errors";
import type { StdinHandler } from "../executors/types";
import { readFolder, writeFilesSource } from "./kernel-files";
import { apiBankDir } from "./api-bank/items";

import { ACTION_FORMATS, type ActionFormat } from "../graphs/state/settings";

export const FORMATS: readonly ActionFormat[] = ACTION_FORMATS;

export interface SuiteSource {
  kind: "codeact" | "m3tooleval" | "api-bank";
  /** Shown in tables and stored with the eval. */
  name: string;
  /** The folder whose files are copied into the kernel. */
  dir: string;
}

const BUILT_IN = join(__dirname, "suites");
/** Relative to the kernel's working directory: /workspace in Docker, a temporary folder for a local kernel. */
const ROOT = ".codeact-eval";

/**
 * `name` is a built-in suite, a folder in this project's format, or "m3tooleval" (its `tasks`
 * folder given by `from`, or $CODEACT_M3TOOLEVAL_DIR).
 */
export function resolveSuite(name: string, from?: string, env: NodeJS.ProcessEnv = process.env): SuiteSource {
  if (name === "m3tooleval") {
    const given = from ?? env.CODEACT_M3TOOLEVAL_DIR;
    if (!given) {
      throw new CodeActError("usage", "m3tooleval needs its task package (the CodeAct repository's scripts/eval/m3tooleval/tasks, or the folder holding it):", {
        hint: "give its folder as `from`, or set CODEACT_M3TOOLEVAL_DIR.",
        step: "give_suite_package",
        subject: "CODEACT_M3TOOLEVAL_DIR",
      });
    }
    const dir = resolve(given);
    const tasks = existsSync(join(dir, "tasks", "__init__.py")) ? join(dir, "tasks") : dir;
    if (!existsSync(join(tasks, "__init__.py")) || !existsSync(join(tasks, "base.py"))) {
      throw new CodeActError("usage", `${dir} is not the M3ToolEval package: expected tasks/__init__.py and tasks/base.py (from the CodeAct repository's scripts/eval/m3tooleval).`);
    }
    return { kind: "m3tooleval", name: "m3tooleval", dir: tasks };
  }
  if (name === "api-bank") return { kind: "api-bank", name: "api-bank", dir: apiBankDir(from, env) };
  if (from) {
    throw new CodeActError("usage", `${settingLabel("suite_package")} is only for the m3tooleval and api-bank suites; give a suite folder as the suite name instead.`, {
      about: { setting: "suite_package" },
    });
  }
  const dir = /^[A-Za-z0-9_-]+$/.test(name) && existsSync(join(BUILT_IN, name)) ? join(BUILT_IN, name) : resolve(name);
  if (!existsSync(dir) || !statSync(dir).isDirectory()) {
    throw new CodeActError("not_found", `No suite "${name}": give a built-in suite (${builtInSuites().join(", ")}), a folder with tools.py and tasks.py, or m3tooleval / api-bank with its package folder.`);
  }
  for (const f of ["tools.py", "tasks.py"]) {
    if (!existsSync(join(dir, f))) throw new CodeActError("usage", `${dir} has no ${f}; a suite folder holds tools.py (plain functions) and tasks.py (TASKS). See eval/suites/README.md.`);
  }
  return { kind: "codeact", name: basename(dir), dir };
}

export function builtInSuites(): string[] {
  return ["toolbox"];
}

export const ToolInfoSchema = z.object({ name: z.string(), signature: z.string(), doc: z.string() });
export const TaskInfoSchema = z.object({
  id: z.string().min(1).max(200),
  domain: z.string(),
  instruction: z.string(),
  /** Python repr of the expected answer (shown in reports). */
  expected: z.string(),
  compare: z.string(),
  tools: z.array(ToolInfoSchema),
  /** The suite's own prompt per format (M3ToolEval renders its own); otherwise ours is used. */
  prompts: z.object({ code: z.string(), json: z.string(), text: z.string() }).optional(),
});
export type TaskInfo = z.infer<typeof TaskInfoSchema>;

const HARNESS = readFileSync(join(__dirname, "python", "harness.py"), "utf8");
const M3 = readFileSync(join(__dirname, "python", "m3.py"), "utf8");

/**
 * The prelude that loads the suite in a kernel (and, for a task kernel, binds the task's tools).
 * Run again after every kernel restart, so a restarted kernel has the tools back.
 */
export class SuitePrelude implements StdinHandler {
  private source?: string;
  /** Without a task: the judge's kernel (the whole suite). With one: that task's kernel (its tools). */
  constructor(
    private readonly suite: SuiteSource,
    private readonly task?: Pick<TaskInfo, "id" | "tools">,
  ) {}

  prelude(): string {
    if (!this.source) {
      const codeact = this.suite.kind === "codeact";
      const files = readFolder(this.suite.dir, codeact ? "codeact_suite/" : "tasks/");
      if (codeact && !files["codeact_suite/__init__.py"]) files["codeact_suite/__init__.py"] = "";
      // A task's kernel never gets our format's tasks.py: the model's code could read the answers.
      // M3ToolEval defines tools and answers in one module: its package goes in whole and, once the
      // task's tools are bound, everything else is dropped (_ce_isolate).
      if (codeact && this.task) delete files["codeact_suite/tasks.py"];
      const setup = !this.task
        ? `_ce_load(${JSON.stringify(this.suite.kind)}, ${JSON.stringify(ROOT)})`
        : codeact
          ? `_ce_bind_tools(${JSON.stringify(ROOT)}, ${JSON.stringify(this.task.tools.map((t) => t.name))})`
          : `_ce_load("m3tooleval", ${JSON.stringify(ROOT)})\n_ce_bind(${JSON.stringify(this.task.id)})\n_ce_isolate(${JSON.stringify(ROOT)})`;
      this.source = [HARNESS, ...(codeact ? [] : [M3]), writeFilesSource(ROOT, files), setup].join("\n");
    }
    return this.source;
  }

  /** Suite code calling input() gets an empty line: there is nobody to ask. */
  async handleInput(): Promise<{ reply: string }> {
    return { reply: "" };
  }
}

/** A Python string literal carrying any text safely (base64 inside). */
export function b64(text: string): string {
  return JSON.stringify(Buffer.from(text, "utf8").toString("base64"));
}
