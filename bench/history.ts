/**
 * `codeact history` on long threads: threads of 100, 200 and 600 actions (one small cell each) are
 * written by a scripted run on the SQLite store `codeact run` uses, then read as the command reads
 * them (the checkpoint list and the turns). The cost should grow with the thread, not its square.
 */
import { join } from "node:path";
import { createCheckpointer } from "../checkpoints/savers";
import type { CodeExecutor } from "../executors/types";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { ScriptedChatModel } from "../nodes/models/scripted-model";
import { historyText } from "../cli/turns-text";

export const HISTORY_SIZES = (process.env.BENCH_HISTORY ?? "100,200,600").split(",").map(Number);

function models(actions: number) {
  let i = 0;
  return {
    planner: new ScriptedChatModel({ script: [JSON.stringify({ steps: [{ description: "count", doneCriterion: "printed" }] })] }),
    coder: new ScriptedChatModel({ script: [() => (i < actions ? `<execute>\nx_${i} = ${i}\nprint(x_${i++})\n</execute>` : "<solution>done</solution>")], whenExhausted: "repeat-last" }),
    critic: new ScriptedChatModel({ script: [JSON.stringify({ verdict: "done", answer: "done" })] }),
  };
}

/** Milliseconds `codeact history` spends reading each thread, keyed `history_ms_<actions>`. */
export async function historyBench(dir: string, executor: CodeExecutor): Promise<Record<string, number>> {
  const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "history.sqlite") });
  const out: Record<string, number> = {};
  try {
    for (const n of HISTORY_SIZES) {
      const graph = createCodeActGraph({ models: models(n), executor, checkpointer: store.saver, limits: { maxIterations: n + 5, tokenBudget: 1e9 } });
      const state = await runCodeAct(graph, "count", { threadId: `history-${n}` });
      if (state.cells.length !== n) throw new Error(`expected ${n} cells, got ${state.cells.length} (${state.status}: ${state.statusDetail})`);
      const t0 = performance.now();
      const text = await historyText(store.saver, `history-${n}`);
      out[`history_ms_${n}`] = Math.round(performance.now() - t0);
      if (!text.includes(`${n} cells`)) throw new Error(`history of history-${n} does not show its ${n} cells`);
    }
  } finally {
    await store.close();
  }
  return out;
}
