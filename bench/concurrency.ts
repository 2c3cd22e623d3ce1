/**
 * Many runs at once on this machine: N scripted CodeAct runs in one process, each with its own
 * Docker kernel, all started together. Each run checks it sees only its own variables (no
 * cross-talk between kernels). Last line: one JSON object.
 */
import { MemorySaver } from "@langchain/langgraph";
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { ScriptedChatModel } from "../nodes/models/scripted-model";

const THREADS = Number(process.env.BENCH_THREADS ?? 16);

async function one(i: number): Promise<boolean> {
  const executor = new DockerJupyterExecutor({ limits: { memoryMb: 512 } });
  const secret = `secret_${i}`;
  const models = {
    planner: new ScriptedChatModel({ script: ['{"steps": [{"description": "set and check", "doneCriterion": "printed"}]}'] }),
    coder: new ScriptedChatModel({
      script: [
        `<execute>\n${secret} = ${i}\nimport numpy as np\nm = float(np.arange(${i + 10}).mean())\n</execute>`,
        `<execute>\nprint(sorted(k for k in globals() if k.startswith("secret_")), m)\n</execute>`,
        "<solution>ok</solution>",
      ],
    }),
    critic: new ScriptedChatModel({ script: ['{"verdict": "done", "answer": "ok"}'] }),
  };
  try {
    const graph = createCodeActGraph({ models, executor, checkpointer: new MemorySaver() });
    const state = await runCodeAct(graph, `run ${i}`, { threadId: `t${i}` });
    const seen = state.cells[1]?.result.stdout.trim();
    const expected = `['${secret}'] ${((i + 9) / 2).toFixed(1)}`;
    if (seen !== expected) console.error(`run ${i}: expected ${expected}, saw ${seen}`);
    return state.status === "done" && seen === expected;
  } finally {
    await executor.shutdown();
  }
}

async function main(): Promise<void> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 50);
  const started = performance.now();
  const results = await Promise.allSettled(Array.from({ length: THREADS }, (_, i) => one(i)));
  const wall = (performance.now() - started) / 1000;
  clearInterval(sampler);
  for (const r of results) if (r.status === "rejected") console.error(r.reason);
  const completed = results.filter((r) => r.status === "fulfilled" && r.value).length;
  const result = { threads: THREADS, completed, wall_s: Math.round(wall * 10) / 10, peak_rss_mb: Math.round(peak / 1e6) };
  console.log(`\n${THREADS} concurrent CodeAct runs, one Docker kernel each, one process\n`);
  console.table({ result });
  console.log(`${completed === THREADS ? "met    " : "NOT MET"}  completed = threads`);
  console.log(JSON.stringify(result));
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
