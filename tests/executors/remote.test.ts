import { RemoteJupyterExecutor } from "../../executors/remote";
import { executorContract } from "./contract";
import { outputContract } from "./output-contract";
import { sharedKernel } from "../helpers/shared-kernel";
import { type RunningJupyterServer, startJupyterServer } from "../helpers/jupyter-server";

let server: RunningJupyterServer;
beforeAll(async () => {
  server = await startJupyterServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

// Neither contract checks a fresh kernel (the last contract test restarts it): one kernel serves both.
describe("RemoteJupyterExecutor: one kernel", () => {
  const kernel = sharedKernel(() => new RemoteJupyterExecutor({ url: server.url, token: server.token }));
  executorContract("RemoteJupyterExecutor", kernel);
  outputContract("RemoteJupyterExecutor", kernel, { zmq: false });
});

describe("RemoteJupyterExecutor", () => {
  it("refuses a wrong token with a clear error", async () => {
    const ex = new RemoteJupyterExecutor({ url: server.url, token: "wrong" });
    await expect(ex.start()).rejects.toThrow(/token/);
  });
});
