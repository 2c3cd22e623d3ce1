import { RemoteJupyterExecutor } from "../../executors/remote";
import { executorContract } from "./contract";
import { outputContract } from "./output-contract";
import { type RunningJupyterServer, startJupyterServer } from "../helpers/jupyter-server";

let server: RunningJupyterServer;
beforeAll(async () => {
  server = await startJupyterServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
});

executorContract("RemoteJupyterExecutor", () => new RemoteJupyterExecutor({ url: server.url, token: server.token }));
outputContract("RemoteJupyterExecutor", () => new RemoteJupyterExecutor({ url: server.url, token: server.token }), { zmq: false });

describe("RemoteJupyterExecutor", () => {
  it("refuses a wrong token with a clear error", async () => {
    const ex = new RemoteJupyterExecutor({ url: server.url, token: "wrong" });
    await expect(ex.start()).rejects.toThrow(/token/);
  });
});
