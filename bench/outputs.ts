/**
 * What collecting /workspace/outputs/ costs a cell: a trivial cell alone, then the same cell
 * and the collection the executor node runs after it (listing, size+mtime compare), timed apart,
 * with 0 files and with 100 unchanged files in outputs/, plus the kernel's side of the listing that
 * rides on each Docker cell's reply. Docker and local kernels. Last line: one JSON object.
 */
import { MemoryArtifactStore } from "../checkpoints/artifacts/memory";
import { DockerJupyterExecutor } from "../executors/docker";
import { LocalJupyterExecutor } from "../executors/local";
import type { CodeExecutor } from "../executors/types";
import { collectOutputs } from "../nodes/workspace/outputs";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const CELLS = Number(process.env.BENCH_CELLS ?? 100);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round2 = (n: number) => Math.round(n * 100) / 100;

/** Per cell: [cell ms, collection ms]; the collection timed on its own, so load drift between phases cannot blur it. */
async function cells(ex: CodeExecutor, n: number): Promise<{ cell: number[]; collect: number[] }> {
  const scope = { store: new MemoryArtifactStore(), threadId: "bench" };
  const out = { cell: [] as number[], collect: [] as number[] };
  for (let i = 0; i < n; i++) {
    let t = performance.now();
    const r = await ex.execute("x += 1");
    out.cell.push(performance.now() - t);
    t = performance.now();
    await collectOutputs(ex, [], scope, () => undefined);
    out.collect.push(performance.now() - t);
    if (r.status !== "ok") throw new Error(`bench cell failed: ${JSON.stringify(r.error)}`);
  }
  return out;
}

async function measure(ex: CodeExecutor, root: string, listsInKernel: boolean): Promise<Record<string, number>> {
  await ex.start();
  await ex.execute(`x = 0\nimport os, shutil\nshutil.rmtree(${JSON.stringify(root)}, ignore_errors=True)`);
  const empty = await cells(ex, CELLS * ROUNDS);
  await ex.execute(`os.makedirs(${JSON.stringify(root)})\nfor i in range(100): open(os.path.join(${JSON.stringify(root)}, f"f{i}.csv"), "w").write("a,b\\n" * 100)`);
  // The first collection reads and stores the 100 files; steady state (nothing changed) is what a cell pays.
  await collectOutputs(ex, [], { store: new MemoryArtifactStore(), threadId: "warm" }, () => undefined);
  const hundred = await cells(ex, CELLS * ROUNDS);
  // The kernel's side: the listing that rides on every cell's reply (Docker, remote), timed in Python.
  const inKernel = async (): Promise<number | undefined> => {
    if (!listsInKernel) return undefined;
    const r = await ex.execute(`import sys, timeit\nprint(timeit.timeit(lambda: sys.modules['_codeact_outputs'].listing(${JSON.stringify(root)}, 1000), number=200) / 200 * 1000)`);
    return round2(Number(r.stdout.trim()));
  };
  const kernel100 = await inKernel();
  await ex.execute(`shutil.rmtree(${JSON.stringify(root)}, ignore_errors=True)`);
  const kernel0 = await inKernel();
  return {
    cell_p50_ms: round2(median(empty.cell)),
    extra_ms_0_files: round2(median(empty.collect)),
    cell_p50_ms_100_files: round2(median(hundred.cell)),
    extra_ms_100_files: round2(median(hundred.collect)),
    ...(listsInKernel ? { kernel_listing_ms_0_files: kernel0!, kernel_listing_ms_100_files: kernel100! } : {}),
  };
}

async function main(): Promise<void> {
  const docker = new DockerJupyterExecutor();
  const local = new LocalJupyterExecutor({ warn: () => undefined });
  try {
    const result = {
      bench: "outputs",
      rounds: ROUNDS,
      cells_per_round: CELLS,
      docker: await measure(docker, "/workspace/outputs", true),
      local: await measure(local, "outputs", false),
    };
    console.log(JSON.stringify(result));
  } finally {
    await docker.shutdown();
    await local.shutdown();
  }
}

void main();
