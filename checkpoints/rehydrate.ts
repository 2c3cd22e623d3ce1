/**
 * Kernel rehydration: the Python kernel is not in the checkpoint, so on resume or branch a fresh
 * kernel replays the run's successful cells in order. Tool calls are answered from the recorded
 * results, so no tool — and no external side effect — runs twice.
 */
import type { CodeExecutor } from "../executors/types";
import type { Cell } from "../graphs/cell";
import { ReplayBridge, ToolBridge } from "../tools/bridge";
import { ToolRegistry } from "../tools/registry";

export interface RehydrationReport {
  replayed: number;
  skipped: number;
  failed: { cellId: string; error: string }[];
  durationMs: number;
}

export async function rehydrate(executor: CodeExecutor, cells: Cell[], tools?: ToolBridge): Promise<RehydrationReport> {
  const started = performance.now();
  const report: RehydrationReport = { replayed: 0, skipped: 0, failed: [], durationMs: 0 };
  const ok = cells.filter((c) => c.result.status === "ok");
  report.skipped = cells.length - ok.length;
  if (!ok.length) return { ...report, durationMs: performance.now() - started };
  if (!executor.setStdinHandler) throw new Error(`Executor ${executor.id} cannot swap its stdin handler, so it cannot replay tool calls.`);
  await executor.start();
  const replay: ReplayBridge = (tools ?? new ToolBridge(new ToolRegistry([]))).withReplay(ok.flatMap((c) => c.result.toolCalls));
  await executor.setStdinHandler(replay);
  try {
    for (const cell of ok) {
      const r = await executor.execute(cell.code);
      if (r.status === "ok") report.replayed++;
      else report.failed.push({ cellId: cell.id, error: r.error ? `${r.error.ename}: ${r.error.evalue}` : r.status });
    }
  } finally {
    await executor.setStdinHandler(tools);
  }
  report.durationMs = performance.now() - started;
  return report;
}
