/** Per-task results (one JSON line each, appended as tasks finish) and the summary table built from them. */
import { appendFileSync, existsSync, readFileSync, truncateSync } from "node:fs";
import { z } from "zod";
import { ACTION_FORMATS, ActionFormatSchema } from "../graphs/state/settings";
import { RoleNamesSchema } from "./identity";

const ApiBankVerdictSchema = z.object({ correct: z.boolean(), reason: z.string(), detail: z.string(), network: z.boolean() });

/** API-Bank rows only: why the item scored as it did, and its ceiling (the gold call in the format). */
export const ApiBankDetailSchema = ApiBankVerdictSchema.extend({ api: z.string(), ceiling: ApiBankVerdictSchema });

export const TaskResultSchema = z.object({
  suite: z.string(),
  agent: z.enum(["paper", "full"]),
  format: ActionFormatSchema,
  taskId: z.string(),
  domain: z.string(),
  threadId: z.string(),
  /** The suite's own check (for M3ToolEval: the upstream exact check). */
  correct: z.boolean(),
  /** A tolerant comparison, reported beside it. */
  tolerant: z.boolean(),
  status: z.string(),
  answer: z.string().nullable(),
  expected: z.string(),
  turns: z.number().int(),
  modelCalls: z.number().int(),
  tokens: z.number().int(),
  wallMs: z.number(),
  /** Actions that failed (an exception, an unknown tool, a timeout). */
  errors: z.number().int(),
  /** Hit an error and then answered correctly. */
  selfDebugged: z.boolean(),
  finishedAt: z.string(),
  /** The model and endpoint that ran the task (absent in rows written before they were recorded). */
  model: z.string().optional(),
  roles: RoleNamesSchema.optional(),
  endpoint: z.string().nullable().optional(),
  /** status "error": the task could not finish (its model endpoint failed, its kernel died); a resume runs it again. */
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  apiBank: ApiBankDetailSchema.optional(),
});
export type TaskResult = z.infer<typeof TaskResultSchema>;

export const resultKey = (r: Pick<TaskResult, "agent" | "format" | "taskId">) => `${r.agent}\u0000${r.format}\u0000${r.taskId}`;

/**
 * The finished tasks of an earlier (possibly killed) eval. A kill -9 can leave half a line at the
 * end: it is cut off so the next append starts on a clean line.
 */
export function readResults(path: string): TaskResult[] {
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  const out: TaskResult[] = [];
  let goodBytes = 0;
  for (const line of text.split("\n")) {
    if (line.trim()) {
      let parsed;
      try {
        parsed = TaskResultSchema.safeParse(JSON.parse(line));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) break;
      out.push(parsed.data);
    }
    goodBytes += Buffer.byteLength(line) + 1;
  }
  if (goodBytes < Buffer.byteLength(text)) truncateSync(path, goodBytes);
  return out;
}

/** One row per task: a task that failed and ran again on a resume counts by its last row. */
export function latestResults(results: TaskResult[]): TaskResult[] {
  const byKey = new Map<string, TaskResult>();
  for (const r of results) byKey.set(resultKey(r), r);
  return [...byKey.values()];
}

export function appendResult(path: string, result: TaskResult): void {
  // One write of one line: a kill can cut it short, never interleave it with another.
  appendFileSync(path, `${JSON.stringify(result)}\n`);
}

export interface Summary {
  agent: string;
  format: string;
  tasks: number;
  correct: number;
  /** Tasks that could not finish (status "error"); counted as not solved. */
  errored: number;
  /** Percent, one decimal. */
  success: number;
  successTolerant: number;
  meanTurns: number;
  modelCalls: number;
  tokens: number;
  wallSeconds: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;

export function summarize(results: TaskResult[]): Summary[] {
  const groups = new Map<string, TaskResult[]>();
  for (const r of results) {
    const key = `${r.agent} ${r.format}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const order: readonly string[] = ACTION_FORMATS;
  return [...groups.values()]
    .map((rs) => {
      const n = rs.length;
      const sum = (f: (r: TaskResult) => number) => rs.reduce((a, r) => a + f(r), 0);
      return {
        agent: rs[0]!.agent,
        format: rs[0]!.format,
        tasks: n,
        correct: sum((r) => Number(r.correct)),
        errored: sum((r) => Number(r.status === "error")),
        success: round((100 * sum((r) => Number(r.correct))) / n),
        successTolerant: round((100 * sum((r) => Number(r.tolerant))) / n),
        meanTurns: round(sum((r) => r.turns) / n, 2),
        modelCalls: sum((r) => r.modelCalls),
        tokens: sum((r) => r.tokens),
        wallSeconds: round(sum((r) => r.wallMs) / 1000),
      };
    })
    .sort((a, b) => a.agent.localeCompare(b.agent) || order.indexOf(a.format) - order.indexOf(b.format));
}

export function formatTable(summaries: Summary[], suite: string, tolerantLabel: string): string {
  const head = ["agent", "format", "tasks", "success %", `${tolerantLabel} %`, "mean turns", "model calls", "tokens", "wall s", "errored"];
  const rows = summaries.map((s) => [s.agent, s.format, s.tasks, s.success, s.successTolerant, s.meanTurns, s.modelCalls, s.tokens, s.wallSeconds, s.errored].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  return [`suite ${suite}`, line(head), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
