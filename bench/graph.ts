/**
 * Graph overhead: our CodeAct graph driven by instant scripted models with a SQLite checkpointer,
 * per node run, minus the kernel's own execution time; beside a bare three-node LangGraph loop of the
 * same shape on the same checkpointer, in the same process. Last line: one JSON object.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Annotation, END, START, StateGraph } from "@langchain/langgraph";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { ScriptedChatModel } from "../nodes/models/scripted-model";

const TURNS = Number(process.env.BENCH_TURNS ?? 100);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);

function saver(dir: string, name: string) {
  const db = new Database(join(dir, `${name}.sqlite`));
  db.pragma("journal_mode = WAL");
  return { saver: new SqliteSaver(db), db };
}

async function ourGraph(dir: string, round: number): Promise<{ perStep: number; steps: number }> {
  // A fresh, started kernel per round: a kernel that already ran another thread's cells would be
  // rebuilt (restart + replay) by the executor node, which is not graph overhead.
  const executor = new DockerJupyterExecutor();
  await executor.start();
  await executor.execute("x = 0");
  try {
    return await ourRun(dir, executor, round);
  } finally {
    await executor.shutdown();
  }
}

async function ourRun(dir: string, executor: DockerJupyterExecutor, round: number): Promise<{ perStep: number; steps: number }> {
  const planner = new ScriptedChatModel({ script: ['{"steps": [{"description": "count", "doneCriterion": "x printed"}]}'] });
  const coder = new ScriptedChatModel({ script: [...Array(TURNS).fill("<execute>\nx += 1\n</execute>"), "<solution>done</solution>"] });
  const critic = new ScriptedChatModel({ script: [...Array(TURNS).fill('{"verdict": "next", "feedback": ""}'), '{"verdict": "done", "answer": "done"}'] });
  const { saver: cp, db } = saver(dir, `ours-${round}`);
  const graph = createCodeActGraph({ models: { planner, coder, critic }, executor, checkpointer: cp, limits: { maxIterations: TURNS + 5, critic: "every-action" } });
  let steps = 0;
  const started = performance.now();
  const state = await runCodeAct(graph, "count", { threadId: `bench-${round}`, onEvent: (e) => void (e.type === "thinking" && steps++) });
  const total = performance.now() - started;
  db.close();
  if (state.status !== "done" || state.cells.length !== TURNS) throw new Error(`bench run ended ${state.status} with ${state.cells.length} cells`);
  // Node runs: every model-calling node announced itself ("thinking"), plus one executor run per cell.
  steps += state.cells.length;
  const kernel = state.cells.reduce((s, c) => s + c.result.durationMs, 0);
  return { perStep: (total - kernel) / steps, steps };
}

async function bareLoop(dir: string, round: number, durability: "sync" | "async" = "sync"): Promise<number> {
  const State = Annotation.Root({ n: Annotation<number>({ reducer: (_, b) => b, default: () => 0 }) });
  const { saver: cp, db } = saver(dir, `bare-${round}`);
  const graph = new StateGraph(State)
    .addNode("a", (s) => ({ n: s.n + 1 }))
    .addNode("b", (s) => ({ n: s.n }))
    .addNode("c", (s) => ({ n: s.n }))
    .addEdge(START, "a")
    .addEdge("a", "b")
    .addEdge("b", "c")
    .addConditionalEdges("c", (s) => (s.n < TURNS ? "a" : END), ["a", END])
    .compile({ checkpointer: cp });
  const started = performance.now();
  await graph.invoke({ n: 0 }, { configurable: { thread_id: `bare-${round}-${durability}` }, recursionLimit: TURNS * 3 + 10, durability });
  const total = performance.now() - started;
  db.close();
  return total / (TURNS * 3);
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "codeact-bench-graph-"));
  try {
    await bareLoop(dir, -1); // warm-up: module loading, JIT
    await ourGraph(dir, -1);
    const ours: number[] = [];
    const bare: number[] = [];
    const bareAsync: number[] = [];
    const ratios: number[] = [];
    let steps = 0;
    for (let r = 0; r < ROUNDS; r++) {
      // These shared machines drift by tens of percent within a minute: each round's ratio compares
      // our run with bare runs just before and after it, and the goal is judged on their median.
      const before = await bareLoop(dir, r);
      const o = await ourGraph(dir, r);
      const after = await bareLoop(dir, r + 0.5);
      bare.push(before, after);
      bareAsync.push(await bareLoop(dir, r, "async"));
      ours.push(o.perStep);
      ratios.push(o.perStep / ((before + after) / 2));
      steps = o.steps;
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // Both sides write checkpoints synchronously, as codeact runs do (crash safety); the bare loop
    // with LangGraph's default (async) durability is reported beside it for reference.
    const result = {
      step_overhead_ms: round2(median(ours)),
      steps,
      bare_step_ms: round2(median(bare)),
      bare_async_step_ms: round2(median(bareAsync)),
      ratio: round2(median(ratios)),
      rounds: ROUNDS,
    };
    console.log("\ncodeact graph overhead per node run (SQLite checkpointer, scripted instant models, kernel time subtracted)\n");
    console.table({
      "CodeAct graph (sync checkpoints)": { ms_per_step: result.step_overhead_ms },
      "bare 3-node loop (sync checkpoints)": { ms_per_step: result.bare_step_ms },
      "bare 3-node loop (async, LangGraph default)": { ms_per_step: result.bare_async_step_ms },
    });
    const met = result.ratio <= 1.5;
    console.log(`${met ? "met    " : "NOT MET"}  step_overhead_ms ≤ 1.5 × bare_step_ms (median of paired ratios ${result.ratio}; ratio of medians ${(result.step_overhead_ms / result.bare_step_ms).toFixed(2)})`);
    console.log(JSON.stringify(result));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const round2 = (x: number) => Math.round(x * 100) / 100;

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
