/**
 * Sub-agents at once vs one after another (issue 20): 4 children of 3 model calls each (plan, answer,
 * review) through a local fake model that answers every call after DELAY_MS, run with one
 * delegate_all-style request vs four single ones; each child's start (from the request to its
 * first model call); then 8 children at once on this machine. Children are real: their own
 * thread in a SQLite store, their own Docker kernel, ChatOpenAI against the fake endpoint.
 * Last line: one JSON object.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../checkpoints/savers";
import { SubAgents } from "../graphs/agents/delegator";
import { RunSettingsSchema } from "../graphs/state/settings";
import { startFakeModel } from "./fake-model";

const DELAY_MS = Number(process.env.BENCH_DELAY_MS ?? 400);

async function main(): Promise<void> {
  const fake = await startFakeModel(DELAY_MS, (role) =>
    role === "planner" ? JSON.stringify({ steps: [{ description: "answer", doneCriterion: "answered" }] }) : role === "critic" ? JSON.stringify({ verdict: "done", answer: "42" }) : "<solution>42</solution>",
  );
  const dir = mkdtempSync(join(tmpdir(), "codeact-bench-agents-"));
  const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "threads.db") });
  const settings = RunSettingsSchema.parse({
    models: { default: "fake-model" },
    endpoint: { baseUrl: fake.baseUrl },
    executor: { kind: "docker" },
    agents: { enabled: true, limits: { maxParallel: 8, maxChildren: 100 } },
  });
  const firstCall = new Map<string, number>();
  const tree = { store, secrets: { apiKey: "sk-bench" }, onEvent: (thread: string, e: { type: string }) => void (e.type === "thinking" && !firstCall.has(thread) && firstCall.set(thread, performance.now())) };
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  try {
    const spec = (i: number) => ({ task: `child ${i}: answer 42` });
    let cell = 0;
    const run = async (n: number) => {
      const agents = SubAgents.forRun(settings, tree)!;
      const scope = { threadId: "bench", cellIndex: cell++ };
      const t0 = performance.now();
      const { results } = await agents.delegate({ specs: Array.from({ length: n }, (_, i) => spec(i)) }, scope);
      return { ms: performance.now() - t0, t0, results };
    };
    const parallel = await run(4);
    const starts = parallel.results.map((r) => (firstCall.get(r.thread) ?? NaN) - parallel.t0);
    let sequential = 0;
    for (let i = 0; i < 4; i++) sequential += (await run(1)).ms;
    peakRss = 0;
    const eight = await run(8);
    const sorted = [...starts].sort((a, b) => a - b);
    const p50 = sorted[Math.floor(sorted.length / 2)]!;
    const result = {
      delay_ms: DELAY_MS,
      parallel_wall_ms: Math.round(parallel.ms),
      sequential_wall_ms: Math.round(sequential),
      ratio: Number((parallel.ms / sequential).toFixed(3)),
      child_start_ms: Math.round(p50),
      child_start_note: "from the request to the child's first model call: its settings record, lock, runtime and graph (its Docker kernel starts beside the planner; no warm pool for children yet)",
      completed_4: parallel.results.filter((r) => r.status === "done").length,
      completed_8: eight.results.filter((r) => r.status === "done").length,
      wall_ms_8: Math.round(eight.ms),
      peak_rss_mb_8: Math.round(peakRss / 2 ** 20),
      rss_note: "this process only; each kernel's container is apart",
      model_calls: fake.calls,
    };
    console.log(JSON.stringify(result));
  } finally {
    clearInterval(sampler);
    await store.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
