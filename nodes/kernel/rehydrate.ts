/**
 * Kernel rehydration: the Python kernel is not in the checkpoint, so on resume or branch a fresh
 * kernel replays the run's cells in order, failed ones included (a cell may assign variables before
 * it raises, and the cell that fixed it uses them). Each replayed cell is expected to end as it did:
 * without an error, or with the same kind of error. Tool calls are answered from the recorded
 * results, so no tool — and no external side effect — runs twice; ask_user() gets the answers the
 * person gave (Cell.answers), so nobody is asked twice. The kernel starts from a fixed random state
 * (executors/python/seed.py), so most cells print again what they printed; those that end otherwise
 * or print something else (the clock, os.urandom, a reseeded generator) are reported: the agent saw
 * other values, or has lost some.
 */
import type { CodeExecutor } from "../../executors/types";
import type { Cell } from "../../graphs/state/cell";
import type { ExecutionResult } from "../../executors/types";
import { ReplayBridge, ToolBridge } from "../../tools/bridge";
import { ToolRegistry } from "../../tools/registry";
import { type ArtifactScope, resolveToolCall } from "../../checkpoints/artifacts/cells";

/**
 * A replayed cell that did not do what the recorded one did. `ended`: it ended otherwise (an error
 * where the recording had none, none where it had one, another kind of error); `output`: it printed
 * something else. `recorded`/`replayed`: how each ended, or the first differing line of each.
 */
export interface Divergence {
  cellId: string;
  /** 0-based plan step of the cell. */
  step: number;
  kind: "ended" | "output";
  recorded: string;
  replayed: string;
}

export interface RehydrationReport {
  /** Cells run again. */
  replayed: number;
  /** Cells not run again: they timed out, were interrupted, or took the kernel down. */
  skipped: number;
  /** Replayed cells that raised where the recorded ones had not (each is in `diverged` too). */
  failed: { cellId: string; error: string }[];
  diverged: Divergence[];
  durationMs: number;
}

/**
 * Whether a recorded cell is part of the kernel's history as replay can reproduce it. A timed-out
 * or interrupted cell stopped at a moment no replay can find again (and the interrupt may have
 * been followed by a restart); one that killed the kernel left nothing behind, and the kernel was
 * then rebuilt from the cells before it.
 */
function replayable(cell: Cell): boolean {
  const r = cell.result;
  if (r.status === "ok") return true;
  return r.status === "error" && r.error?.ename !== "KeyboardInterrupt";
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

/** How a cell ended, as a person reads it: "ok", or the error's type and message. */
function ending(r: ExecutionResult): string {
  if (r.status === "ok") return "ok";
  return clip(r.error ? `${r.error.ename}: ${r.error.evalue}` : r.status);
}

/** Same error type, not same message: messages carry addresses, paths and values that move. */
const endedAlike = (a: ExecutionResult, b: ExecutionResult) => a.status === b.status && (a.status === "ok" || a.error?.ename === b.error?.ename);

function compare(cell: Cell, replayed: ExecutionResult): Divergence | undefined {
  const base = { cellId: cell.id, step: cell.step };
  if (!endedAlike(cell.result, replayed)) return { ...base, kind: "ended", recorded: ending(cell.result), replayed: ending(replayed) };
  const before = shown(cell.result);
  const after = shown(replayed);
  if (before === after) return undefined;
  const a = before.split("\n");
  const b = after.split("\n");
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  return { ...base, kind: "output", recorded: clip(a[i] ?? "(nothing)"), replayed: clip(b[i] ?? "(nothing)") };
}

/** `artifacts`: where large recorded tool arguments/results were kept, so replay answers them exactly. */
export async function rehydrate(executor: CodeExecutor, cells: Cell[], tools?: ToolBridge, artifacts?: ArtifactScope): Promise<RehydrationReport> {
  const started = performance.now();
  const report: RehydrationReport = { replayed: 0, skipped: 0, failed: [], diverged: [], durationMs: 0 };
  const history = cells.filter(replayable);
  report.skipped = cells.length - history.length;
  if (!history.length) return { ...report, durationMs: performance.now() - started };
  if (!executor.setStdinHandler) throw new Error(`Executor ${executor.id} cannot swap its stdin handler, so it cannot replay tool calls.`);
  await executor.start();
  const replay: ReplayBridge = (tools ?? new ToolBridge(new ToolRegistry([]))).withReplay(
    history.flatMap((c) => c.result.toolCalls),
    (record) => resolveToolCall(record, artifacts),
    history.flatMap((c) => c.answers ?? []),
  );
  await executor.setStdinHandler(replay);
  try {
    for (const cell of history) {
      const r = await executor.execute(cell.code);
      report.replayed++;
      const d = compare(cell, r);
      if (d) report.diverged.push(d);
      if (r.status !== "ok" && cell.result.status === "ok") report.failed.push({ cellId: cell.id, error: ending(r) });
    }
  } finally {
    await executor.setStdinHandler(tools);
  }
  report.durationMs = performance.now() - started;
  return report;
}

/** What the agent is told with its next observation when replay did not reproduce everything. */
export function divergenceNote(diverged: Divergence[]): string | undefined {
  if (!diverged.length) return undefined;
  const which = diverged
    .map((d) => `step ${d.step + 1} ${d.kind === "ended" ? "ended" : "printed"} ${JSON.stringify(d.replayed)}, before ${JSON.stringify(d.recorded)}`)
    .join("; ");
  const lost = diverged.some((d) => d.kind === "ended")
    ? " Variables those cells set may be missing or different: check them before you rely on them."
    : " Values you saw earlier may have changed: print again what you rely on.";
  return `The kernel was rebuilt by replaying earlier cells, and ${diverged.length} of them did not do what they did before (${which}).${lost}`;
}
