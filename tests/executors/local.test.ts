import { LocalJupyterExecutor } from "../../executors/local";
import { executorContract } from "./contract";
import { outputContract } from "./output-contract";
import { sharedKernel } from "../helpers/shared-kernel";

// Neither contract checks a fresh kernel (the last contract test restarts it): one kernel serves both.
describe("LocalJupyterExecutor: one kernel", () => {
  const kernel = sharedKernel(() => new LocalJupyterExecutor({ warn: () => undefined }));
  executorContract("LocalJupyterExecutor", kernel);
  outputContract("LocalJupyterExecutor", kernel, { zmq: true });
});

describe("LocalJupyterExecutor", () => {
  it("reports a kernel that exits as died, and restart() brings a working one", async () => {
    const ex = new LocalJupyterExecutor({ warn: () => undefined });
    try {
      const r = await ex.execute("import os\nos._exit(3)");
      expect(r.status).toBe("died");
      expect(r.died?.reason).toBe("exited");
      expect(r.died?.detail).toMatch(/code 3/);
      const again = await ex.execute("1 + 1");
      expect(again.status).toBe("died");
      expect(again.died?.detail).toMatch(/restart\(\)/);
      await ex.restart();
      expect((await ex.execute("1 + 1")).results[0]?.data["text/plain"]).toBe("2");
    } finally {
      await ex.shutdown();
    }
  });

  it("says it is not a sandbox", () => {
    expect(new LocalJupyterExecutor({ warn: () => undefined }).info).toMatchObject({ kind: "local", sandboxed: false });
  });
});
