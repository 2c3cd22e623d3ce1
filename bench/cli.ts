/**
 * Start-up of the built `codeact` command (dist/, as npm installs it) beside a bare `node -e 0`,
 * paired: each round runs every command once, in a rotating order, so load on this shared machine
 * hits them alike; per command the median over rounds of its time divided by that round's bare
 * node. `threads` and `history` read a store holding a few finished runs. Last line: one JSON object.
 * Goals: --help <= 2x bare node, threads <= 3x.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../checkpoints/savers";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { LocalJupyterExecutor } from "../executors/local";
import { ScriptedChatModel } from "../nodes/models/scripted-model";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const THREADS = 5;
/** BENCH_CLI: another build's main.js (e.g. an older commit's), measured the same way. */
const main = process.env.BENCH_CLI ?? join(__dirname, "..", "dist", "cli", "main.js");

/** Finished runs that answer without code (the executor is never started), so no kernel is needed. */
async function fillStore(path: string): Promise<void> {
  const store = await createCheckpointer({ kind: "sqlite", path });
  try {
    for (let i = 0; i < THREADS; i++) {
      const planner = new ScriptedChatModel({ script: ['{"steps": [{"description": "answer", "doneCriterion": "answered"}]}'] });
      const coder = new ScriptedChatModel({ script: [`<solution>${i}</solution>`] });
      const critic = new ScriptedChatModel({ script: [`{"verdict": "done", "feedback": "", "answer": "${i}"}`] });
      const graph = createCodeActGraph({ models: { planner, coder, critic }, executor: new LocalJupyterExecutor(), checkpointer: store.saver });
      const state = await runCodeAct(graph, `task number ${i}`, { threadId: `bench-${i}` });
      if (state.status !== "done") throw new Error(`filling the store: run ${i} ended ${state.status}`);
    }
  } finally {
    await store.close();
  }
}

function timeOnce(args: string[], env: NodeJS.ProcessEnv): number {
  const started = process.hrtime.bigint();
  const r = spawnSync(process.execPath, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  if (r.status !== 0) throw new Error(`node ${args.join(" ")} failed (${r.status}): ${r.stderr.toString().slice(0, 500)}`);
  return ms;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function bench(): Promise<void> {
  if (!existsSync(main)) throw new Error("dist/cli/main.js is missing: run `npm run build` (npm run bench:cli does).");
  const home = mkdtempSync(join(tmpdir(), "codeact-bench-cli-"));
  try {
    await fillStore(join(home, "checkpoints.sqlite"));
    const env = { ...process.env, CODEACT_HOME: home, NO_COLOR: "1" };
    const commands: [string, string[]][] = [
      ["node -e 0", ["-e", "0"]],
      ["codeact --help", [main, "--help"]],
      ["codeact threads", [main, "threads"]],
      ["codeact history", [main, "history", "bench-0"]],
    ];
    const times = new Map(commands.map(([name]) => [name, [] as number[]]));
    for (const [, args] of commands) timeOnce(args, env); // warm the file cache
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < commands.length; k++) {
        const [name, args] = commands[(round + k) % commands.length]!;
        times.get(name)!.push(timeOnce(args, env));
      }
    }
    const bare = times.get("node -e 0")!;
    const rows = commands.map(([name]) => {
      const t = times.get(name)!;
      return { command: name, median_ms: Math.round(median(t)), ratio: Number(median(t.map((x, i) => x / bare[i]!)).toFixed(2)) };
    });
    console.table(rows);
    const ratio = (name: string) => rows.find((r) => r.command === name)!.ratio;
    const ms = (name: string) => rows.find((r) => r.command === name)!.median_ms;
    console.log(
      JSON.stringify({
        bench: "cli",
        rounds: ROUNDS,
        node_ms: ms("node -e 0"),
        help_ms: ms("codeact --help"),
        threads_ms: ms("codeact threads"),
        history_ms: ms("codeact history"),
        help_x: ratio("codeact --help"),
        threads_x: ratio("codeact threads"),
        history_x: ratio("codeact history"),
        help_goal_met: ratio("codeact --help") <= 2,
        threads_goal_met: ratio("codeact threads") <= 3,
      }),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

bench().catch((err: Error) => {
  console.error(err.message);
  process.exit(1);
});
