/**
 * What every CodeExecutor must do, run against each backend with a real kernel.
 * Backend-specific faults (OOM, pids, network) live in the backend's own test file.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { CodeExecutor } from "../../executors/types";

/** `kernel` is started by the caller (see sharedKernel): the output contract runs on the same one. */
export function executorContract(name: string, kernel: () => CodeExecutor): void {
  describe(`${name}: CodeExecutor contract`, () => {
    let ex: CodeExecutor;
    beforeAll(() => void (ex = kernel()));

    it("keeps state between cells and returns stdout, stderr and the expression value", async () => {
      const a = await ex.execute("import sys\nvalue = 20\nprint('out'); print('err', file=sys.stderr)\nvalue + 1");
      expect(a.status).toBe("ok");
      expect(a.stdout).toBe("out\n");
      expect(a.stderr).toBe("err\n");
      expect(a.results[0]?.data["text/plain"]).toBe("21");
      const b = await ex.execute("value * 2");
      expect(b.results[0]?.data["text/plain"]).toBe("40");
      expect(b.executionCount).toBeGreaterThan(a.executionCount ?? 0);
      expect(b.durationMs).toBeGreaterThan(0);
    });

    it("reports a Python exception with its traceback free of ANSI codes", async () => {
      const r = await ex.execute("def f():\n    return 1 / 0\nf()");
      expect(r.status).toBe("error");
      expect(r.error?.ename).toBe("ZeroDivisionError");
      expect(r.error?.evalue).toBe("division by zero");
      const tb = r.error!.traceback.join("\n");
      expect(tb).toContain("return 1 / 0");
      expect(tb).not.toMatch(/\u001b\[/);
    });

    it("returns rich outputs: a matplotlib plot as image/png and HTML", async () => {
      const r = await ex.execute(
        "import matplotlib.pyplot as plt\nfrom IPython.display import HTML, display\n" +
          "plt.plot([1, 2, 3], [1, 4, 9]); plt.show()\ndisplay(HTML('<b>bold</b>'))",
      );
      expect(r.status).toBe("ok");
      const png = r.results.find((o) => o.data["image/png"]);
      expect(png).toBeDefined();
      expect(Buffer.from(png!.data["image/png"]!, "base64").subarray(1, 4).toString()).toBe("PNG");
      expect(r.results.some((o) => o.data["text/html"] === "<b>bold</b>")).toBe(true);
    });

    it("times out a cell that loops forever, interrupts it, and keeps earlier variables", async () => {
      await ex.execute("survivor = 'still here'");
      const r = await ex.execute("while True:\n    pass", { timeoutMs: 1500 });
      expect(r.status).toBe("timeout");
      expect(r.error?.evalue).toMatch(/1500 ms/);
      expect(r.error?.evalue).toMatch(/interrupted/);
      const after = await ex.execute("survivor");
      expect(after.status).toBe("ok");
      expect(after.results[0]?.data["text/plain"]).toBe("'still here'");
    });

    it("interrupt() stops a running cell with KeyboardInterrupt", async () => {
      // Interrupt once the cell is running (its first line is out), not after a guessed delay.
      let started!: () => void;
      const isRunning = new Promise<void>((r) => (started = r));
      const running = ex.execute("import time\nprint('running', flush=True)\ntime.sleep(30)", { timeoutMs: 60_000, onOutput: (e) => e.type === "stream" && started() });
      await isRunning;
      await ex.interrupt();
      const r = await running;
      expect(r.status).toBe("error");
      expect(r.error?.ename).toBe("KeyboardInterrupt");
    });

    it("streams output while the cell runs", async () => {
      const seen: string[] = [];
      const r = await ex.execute("import time\nfor i in range(3):\n    print(i, flush=True); time.sleep(0.3)", {
        onOutput: (e) => {
          if (e.type === "stream") seen.push(e.text);
        },
      });
      expect(r.stdout).toBe("0\n1\n2\n");
      expect(seen.join("")).toBe("0\n1\n2\n");
      expect(seen.length).toBeGreaterThan(1);
    });

    it("truncates a 100 MB print to head and tail with a marker, keeping host memory bounded", async () => {
      let peak = process.memoryUsage().rss;
      const base = peak;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      try {
        const one = await ex.execute("print('a' + 'x' * 100_000_000 + 'z')", { timeoutMs: 120_000 });
        expect(one.status).toBe("ok");
        expect(one.truncated).toBe(true);
        expect(one.stdout.startsWith("axxx")).toBe(true);
        expect(one.stdout.trimEnd().endsWith("xxz")).toBe(true);
        expect(one.stdout).toMatch(/\[\d+ characters truncated/);
        expect(one.stdout.length).toBeLessThan(120_000);
        const lines = await ex.execute("for i in range(100_000):\n    print(f'{i:08d}' + '-' * 990)", { timeoutMs: 120_000 });
        expect(lines.status).toBe("ok");
        expect(lines.truncated).toBe(true);
        expect(lines.stdout.startsWith("00000000-")).toBe(true);
        expect(lines.stdout).toContain("00099999-");
        expect(lines.stdout.length).toBeLessThan(120_000);
      } finally {
        clearInterval(sampler);
      }
      expect(peak - base).toBeLessThan(80 * 1024 * 1024);
    }, 240_000);

    it("answers input() and the fast stdin request through the handler, in the caller's async context", async () => {
      const als = new AsyncLocalStorage<string>();
      await ex.setStdinHandler!({
        prelude: () => "def ask(q):\n    return _codeact_stdin_request(q)\n",
        handleInput: async (prompt) => ({ reply: `${prompt}|${als.getStore()}` }),
      });
      try {
        const slow = await als.run("ctx-1", () => ex.execute("input('plain')"));
        expect(slow.results[0]?.data["text/plain"]).toBe("'plain|ctx-1'");
        const fast = await als.run("ctx-2", () => ex.execute("[ask('fast') for _ in range(3)]"));
        expect(fast.results[0]?.data["text/plain"]).toBe("['fast|ctx-2', 'fast|ctx-2', 'fast|ctx-2']");
      } finally {
        await ex.setStdinHandler!(undefined);
      }
    });

    it("is usable again after restart(), with fresh state", async () => {
      await ex.execute("before_restart = 1");
      await ex.restart();
      const r = await ex.execute("'before_restart' in globals()");
      expect(r.results[0]?.data["text/plain"]).toBe("False");
    });
  });
}
