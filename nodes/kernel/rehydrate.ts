/**
 * Kernel rehydration: the Python kernel is not in the checkpoint, so on resume or branch a fresh
 * kernel replays the run's successful cells in order. Tool calls are answered from the recorded
 * results, so no tool — and no external side effect — runs twice; ask_user() gets the answers the
 * person gave (Cell.answers), so nobody is asked twice. The kernel starts from a fixed
 * random state (executors/python/seed.py), so most cells print again what they printed; those that
 * do not (the clock, os.urandom, a reseeded generator) are reported: the agent saw other values.
 */
import type { CodeExecutor } from "../../executors/types";
import type { Cell } from "../../graphs/state/cell";
import type { ExecutionResult } from "../../executors/types";
import { ReplayBridge, ToolBridge } from "../../tools/bridge";
import { ToolRegistry } from "../../tools/registry";
import { type ArtifactScope, resolveToolCall } from "../../checkpoints/artifacts/cells";

/** A replayed cell whose output differs from the recorded one: the first differing line of each. */
export interface Divergence {
  cellId: string;
  /** 0-based plan step of the cell. */
  step: number;
  recorded: string;
  replayed: string;
}

export interface RehydrationReport {
  replayed: number;
  skipped: number;
  failed: { cellId: string; error: string }[];
  diverged: Divergence[];
  durationMs: number;
}

/**
 * What a cell showed: stdout and text/plain results, without trailing spaces per line, and with
 * object addresses (`<Foo object at 0x7f…>`) masked: they change with every process and mean nothing.
 */
function shown(r: ExecutionResult): string {
  const plain = r.results.map((o) => o.data["text/plain"] ?? "").filter(Boolean);
  return [r.stdout, ...plain].join("\n").replace(/[ \t]+$/gm, "").replace(/ at 0x[0-9a-f]+>/g, " at 0x…>").trimEnd();
}

const clip = (s: string) => (s.length > 120 ? `${s.slice(0, 120)}…` : s);

function compare(cell: Cell, replayed: ExecutionResult): Divergence | undefined {
  const before = shown(cell.result);
  const after = shown(replayed);
  if (before === after) return undefined;
  const a = before.split("\n");
  const b = after.split("\n");
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return { cellId: cell.id, step: cell.step, recorded: clip(a[i] ?? "(nothing)"), replayed: clip(b[i] ?? "(nothing)") };
}

/** `artifacts`: where large recorded tool arguments/results were kept, so replay answers them exactly. */
export async function rehydrate(executor: CodeExecutor, cells: Cell[], tools?: ToolBridge, artifacts?: ArtifactScope): Promise<RehydrationReport> {
  const started = performance.now();
  const report: RehydrationReport = { replayed: 0, skipped: 0, failed: [], diverged: [], durationMs: 0 };
  const ok = cells.filter((c) => c.result.status === "ok");
  report.skipped = cells.length - ok.length;
  if (!ok.length) return { ...report, durationMs: performance.now() - started };
  if (!executor.setStdinHandler) throw new Error(`Executor ${executor.id} cannot swap its stdin handler, so it cannot replay tool calls.`);
  await executor.start();
  const replay: ReplayBridge = (tools ?? new ToolBridge(new ToolRegistry([]))).withReplay(
    ok.flatMap((c) => c.result.toolCalls),
    (record) => resolveToolCall(record, artifacts),
    ok.flatMap((c) => c.answers ?? []),
  );
  await executor.setStdinHandler(replay);
  try {
    for (const cell of ok) {
      const r = await executor.execute(cell.code);
      if (r.status === "ok") {
        report.replayed++;
        const d = compare(cell, r);
        if (d) report.diverged.push(d);
      } else report.failed.push({ cellId: cell.id, error: r.error ? `${r.error.ename}: ${r.error.evalue}` : r.status });
    }
  } finally {
    await executor.setStdinHandler(tools);
  }
  report.durationMs = performance.now() - started;
  return report;
}
