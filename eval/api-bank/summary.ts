/**
 * API-Bank's table: per format the model's score (upstream's accuracy: correct / items) beside the
 * ceiling (the gold calls in that format, scored the same way), and why items missed, counted.
 * Items whose API needs the network (Dictionary, Translate, SearchEngine) are counted as "network".
 */
import { ACTION_FORMATS } from "../../graphs/state/settings";
import type { TaskResult } from "../results";

export interface ApiBankSummary {
  format: string;
  tasks: number;
  correct: number;
  /** Percent, one decimal. */
  success: number;
  ceilingCorrect: number;
  ceilingSuccess: number;
  /** Items that could not finish (status "error"); counted as not solved. */
  errored: number;
  /** Why the model's items missed: reason → count. */
  reasons: Record<string, number>;
  /** Why the ceiling's items missed. */
  ceilingReasons: Record<string, number>;
  /** The ceiling's misses by API (the gold call fails in that API). */
  ceilingMissesByApi: Record<string, number>;
  modelCalls: number;
  tokens: number;
  wallSeconds: number;
}

const round = (n: number, d = 1) => Math.round(n * 10 ** d) / 10 ** d;
const bump = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
const sorted = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])));

export function summarizeApiBank(results: TaskResult[]): ApiBankSummary[] {
  const order: readonly string[] = ACTION_FORMATS;
  const formats = [...new Set(results.map((r) => r.format))].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  return formats.map((format) => {
    const rs = results.filter((r) => r.format === format);
    const reasons: Record<string, number> = {};
    const ceilingReasons: Record<string, number> = {};
    const byApi: Record<string, number> = {};
    let ceilingCorrect = 0;
    for (const r of rs) {
      const d = r.apiBank;
      if (r.status === "error" || !d) bump(reasons, "error");
      else if (!r.correct) bump(reasons, d.network ? "network" : d.reason);
      if (d?.ceiling.correct) ceilingCorrect++;
      else if (d) {
        bump(ceilingReasons, d.ceiling.network ? "network" : d.ceiling.reason);
        bump(byApi, d.api);
      }
    }
    const n = rs.length;
    const correct = rs.filter((r) => r.correct).length;
    return {
      format,
      tasks: n,
      correct,
      success: round((100 * correct) / n),
      ceilingCorrect,
      ceilingSuccess: round((100 * ceilingCorrect) / n),
      errored: rs.filter((r) => r.status === "error").length,
      reasons: sorted(reasons),
      ceilingReasons: sorted(ceilingReasons),
      ceilingMissesByApi: sorted(byApi),
      modelCalls: rs.reduce((a, r) => a + r.modelCalls, 0),
      tokens: rs.reduce((a, r) => a + r.tokens, 0),
      wallSeconds: round(rs.reduce((a, r) => a + r.wallMs, 0) / 1000),
    };
  });
}

const counts = (m: Record<string, number>) => Object.entries(m).map(([k, v]) => `${k} ${v}`).join(", ") || "none";

export function formatApiBankTable(summaries: ApiBankSummary[], model: string): string {
  const head = ["format", "items", "correct", "success %", "ceiling", "ceiling %", "model calls", "tokens", "wall s", "errored"];
  const rows = summaries.map((s) => [s.format, s.tasks, s.correct, s.success, s.ceilingCorrect, s.ceilingSuccess, s.modelCalls, s.tokens, s.wallSeconds, s.errored].map(String));
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  const notes = summaries.flatMap((s) => [
    `${s.format} misses (${model}): ${counts(s.reasons)}`,
    `${s.format} ceiling misses: ${counts(s.ceilingReasons)}; by API: ${counts(s.ceilingMissesByApi)}`,
  ]);
  return [
    `suite api-bank (level-1, upstream's API-call accuracy; ceiling = each item's gold call in the format, scored the same way)`,
    line(head),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
    ...notes,
    `network: Dictionary, Translate and SearchEngine need web services or packages the sandbox lacks (inert stand-ins there); their items cannot pass offline.`,
  ].join("\n");
}
