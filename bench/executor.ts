/**
 * Executor benchmark: a trivial cell on a warm Docker kernel over IPC, side by side in one run with
 * the kernel's own floor (Python's jupyter_client inside the same container, same sockets) and the
 * same image's kernel behind a Jupyter Server over REST+WebSocket. Rounds interleave the three so
 * machine noise hits them alike. Last line: one JSON object.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { DockerJupyterExecutor } from "../executors/docker";
import { KernelPool } from "../executors/pool";
import { RemoteJupyterExecutor } from "../executors/remote";
import type { CodeExecutor } from "../executors/types";
import { ToolBridge } from "../tools/bridge";
import { startJupyterServer } from "../tests/helpers/jupyter-server";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CELLS_PER_ROUND = Number(process.env.BENCH_CELLS ?? 200);

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}
const sortNum = (xs: number[]) => [...xs].sort((a, b) => a - b);
const median = (xs: number[]) => quantile(sortNum(xs), 0.5);

async function cellTimes(ex: CodeExecutor, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    const r = await ex.execute("x += 1");
    out.push(performance.now() - t);
    if (r.status !== "ok") throw new Error(`bench cell failed: ${JSON.stringify(r.error)}`);
  }
  return out;
}

/** Python's jupyter_client inside the kernel's own container, over the same IPC sockets. */
function floorRound(containerId: string, n: number): number {
  const script = readFileSync(join(__dirname, "floor.py"));
  const r = spawnSync("docker", ["exec", "-i", containerId, "python3", "-", "/kernel/connection.json", String(n)], { input: script, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`floor client failed: ${r.stderr}`);
  return (JSON.parse(r.stdout.trim().split("\n").pop()!) as { p50_ms: number }).p50_ms;
}

async function main(): Promise<void> {
  const echo = tool(async ({ value }: { value: number }) => value, {
    name: "echo",
    description: "Returns its argument.",
    schema: z.object({ value: z.number() }),
  });
  const ipc = new DockerJupyterExecutor({ tools: new ToolBridge([echo]) });
  const server = await startJupyterServer(ipc.image);
  const ws = new RemoteJupyterExecutor({ url: server.url, token: server.token });
  try {
    await Promise.all([ipc.start(), ws.start()]);
    for (const ex of [ipc, ws]) {
      await ex.execute("x = 0");
      await cellTimes(ex, 50); // warm-up
    }
    const ours: number[] = [];
    const remote: number[] = [];
    const floors: number[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      ours.push(...(await cellTimes(ipc, CELLS_PER_ROUND)));
      remote.push(...(await cellTimes(ws, CELLS_PER_ROUND)));
      floors.push(floorRound(ipc.containerId!, CELLS_PER_ROUND));
    }

    // Tool calls timed inside Python, so only the stdin round trip through the host bridge counts.
    const toolRun = await ipc.execute(
      "import time\nfor _ in range(50): echo(value=1)\n_t = []\nfor i in range(500):\n    s = time.perf_counter(); echo(value=i); _t.append((time.perf_counter() - s) * 1000)\n_t.sort()\nprint(_t[len(_t) // 2])",
    );
    if (toolRun.status !== "ok") throw new Error(`tool bench failed: ${JSON.stringify(toolRun.error)} ${toolRun.stderr}`);
    const toolP50 = Number(toolRun.stdout.trim());

    // What the host keeps per cell once garbage is collected: a long run must not grow with it.
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    gc();
    const heapBefore = process.memoryUsage().heapUsed;
    await cellTimes(ipc, 2000);
    gc();
    const retainedPerCell = (process.memoryUsage().heapUsed - heapBefore) / 2000;

    const colds: number[] = [];
    for (let i = 0; i < 3; i++) {
      const ex = new DockerJupyterExecutor();
      const t = performance.now();
      await ex.start();
      await ex.execute("1");
      colds.push(performance.now() - t);
      await ex.shutdown();
    }

    const pool = new KernelPool(() => new DockerJupyterExecutor(), { size: 2 });
    const acquires: number[] = [];
    try {
      for (let i = 0; i < 4; i++) {
        await pool.warm();
        const t = performance.now();
        const ex = await pool.acquire();
        acquires.push(performance.now() - t);
        await pool.release(ex);
      }
    } finally {
      await pool.close();
    }

    const oursSorted = sortNum(ours);
    const result = {
      cell_p50_ms: round2(quantile(oursSorted, 0.5)),
      cell_p99_ms: round2(quantile(oursSorted, 0.99)),
      floor_cell_p50_ms: round2(median(floors)),
      ws_cell_p50_ms: round2(median(remote)),
      tool_call_p50_ms: round2(toolP50),
      cold_start_ms: Math.round(median(colds)),
      pool_acquire_ms: round2(median(acquires)),
      retained_bytes_per_cell: Math.round(retainedPerCell),
      cells_per_path: ours.length,
    };
    const goals = [
      ["cell_p50_ms ≤ 1.15 × floor", result.cell_p50_ms <= 1.15 * result.floor_cell_p50_ms],
      ["cell_p50_ms ≤ ws / 1.3", result.cell_p50_ms <= result.ws_cell_p50_ms / 1.3],
      ["tool_call_p50_ms ≤ 0.5", result.tool_call_p50_ms <= 0.5],
      ["cold_start_ms ≤ 600", result.cold_start_ms <= 600],
      ["pool_acquire_ms ≤ 20", result.pool_acquire_ms <= 20],
      ["retained_bytes_per_cell ≤ 100", result.retained_bytes_per_cell <= 100],
    ] as const;
    console.log("\ncodeact executor benchmark (trivial cell `x += 1`, warm kernels, one run, interleaved rounds)\n");
    console.table({
      "Docker kernel, codeact IPC client": { p50_ms: result.cell_p50_ms, p99_ms: result.cell_p99_ms },
      "same container, Python jupyter_client (floor)": { p50_ms: result.floor_cell_p50_ms },
      "same image via Jupyter Server REST+WebSocket": { p50_ms: result.ws_cell_p50_ms },
    });
    console.table({
      "tool call round trip (from Python)": { ms: result.tool_call_p50_ms },
      "cold start: docker run → first result": { ms: result.cold_start_ms },
      "warm pool acquire": { ms: result.pool_acquire_ms },
    });
    console.table({ "host heap kept per cell (after GC)": { bytes: result.retained_bytes_per_cell } });
    for (const [goal, met] of goals) console.log(`${met ? "met    " : "NOT MET"}  ${goal}`);
    console.log(JSON.stringify(result));
  } finally {
    await Promise.all([ipc.shutdown(), ws.shutdown()]);
    await server.stop();
  }
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
