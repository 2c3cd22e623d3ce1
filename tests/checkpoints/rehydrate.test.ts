/**
 * Rehydration against a real Docker kernel: a fresh kernel replaying recorded cells reproduces the
 * random state (a failed cell replayed, leaving no trace in it), and reports exactly the cells whose
 * output changed.
 */
import { rehydrate } from "../../nodes/kernel/rehydrate";
import { DockerJupyterExecutor } from "../../executors/docker";
import type { Cell } from "../../graphs/state/cell";

const CODE = [
  "import random, time\nclass Thing: pass\nprint(random.random())",
  "print(Thing())", // an object address differs in every process: not a real divergence
  "random.random(); 1/0", // fails again on replay, as recorded, and leaves no trace in the random state
  "import numpy as np\nnp.random.rand(2)", // a text/plain result, NumPy seeded on first import
  "print('clock', time.time_ns())",
  "print(random.random())",
];

describe("rehydrate (Docker)", () => {
  it("reproduces random values and reports only the cells that printed something else", async () => {
    const first = new DockerJupyterExecutor();
    const cells: Cell[] = [];
    try {
      for (const [i, code] of CODE.entries()) {
        cells.push({ id: `c${i}`, step: i, attempt: 0, code, result: await first.execute(code), startedAt: new Date().toISOString() });
      }
    } finally {
      await first.shutdown();
    }
    expect(cells.map((c) => c.result.status)).toEqual(["ok", "ok", "error", "ok", "ok", "ok"]);

    const second = new DockerJupyterExecutor();
    try {
      const report = await rehydrate(second, cells);
      expect(report).toMatchObject({ replayed: 6, skipped: 0, failed: [] });
      expect(report.diverged.map((d) => d.cellId)).toEqual(["c4"]);
      expect(report.diverged[0]!.kind).toBe("output");
      expect(report.diverged[0]!.recorded).toMatch(/^clock \d+$/);
      expect(report.diverged[0]!.replayed).not.toBe(report.diverged[0]!.recorded);
    } finally {
      await second.shutdown();
    }
  }, 120_000);
});
