import Docker from "dockerode";
import { DockerJupyterExecutor } from "../../executors/docker";
import { KernelPool } from "../../executors/pool";
import type { StdinHandler } from "../../executors/types";

describe("KernelPool (Docker kernels)", () => {
  it("hands out started kernels fast, never twice, and refills in the background", async () => {
    const pool = new KernelPool(() => new DockerJupyterExecutor(), { size: 2 });
    try {
      await pool.warm();
      expect(pool.idle).toBe(2);
      const t = performance.now();
      const a = await pool.acquire();
      const acquireMs = performance.now() - t;
      const b = await pool.acquire();
      expect(a).not.toBe(b);
      expect(acquireMs).toBeLessThan(1000); // warm: no container start on this path
      await a.execute("secret = 'run-a'");
      expect((await b.execute("'secret' in globals()")).results[0]?.data["text/plain"]).toBe("False");
      await pool.release(a);
      await pool.release(b);
      await pool.warm();
      expect(pool.idle).toBe(2);
      const c = await pool.acquire();
      expect([a.id, b.id]).not.toContain(c.id);
      expect((await c.execute("'secret' in globals()")).results[0]?.data["text/plain"]).toBe("False");
    } finally {
      await pool.close();
    }
    const left = await new Docker().listContainers({ filters: { label: [`codeact.owner.pid=${process.pid}`] } });
    expect(left).toHaveLength(0);
  }, 120_000);

  it("installs tools on an already-started kernel at acquire", async () => {
    const pool = new KernelPool(() => new DockerJupyterExecutor(), { size: 1 });
    const tools: StdinHandler = {
      prelude: () => "def shout(text):\n    return input('shout:' + text)\n",
      handleInput: async (prompt) => ({ reply: prompt.replace(/^shout:/, "").toUpperCase() }),
    };
    try {
      await pool.warm();
      const ex = await pool.acquire(tools);
      const r = await ex.execute("shout('hello')");
      expect(r.results[0]?.data["text/plain"]).toBe("'HELLO'");
    } finally {
      await pool.close();
    }
  }, 120_000);

  it("size 0 disables warming: acquire starts a kernel on demand", async () => {
    const pool = new KernelPool(() => new DockerJupyterExecutor(), { size: 0 });
    try {
      await pool.warm();
      expect(pool.idle).toBe(0);
      const ex = await pool.acquire();
      expect((await ex.execute("1 + 1")).results[0]?.data["text/plain"]).toBe("2");
    } finally {
      await pool.close();
    }
  }, 120_000);
});
