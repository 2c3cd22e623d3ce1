/**
 * A real Jupyter Server for tests and benchmarks: jupyter_server from the kernel image, in a container
 * on the host's network namespace, listening on 127.0.0.1 at a free port with token auth.
 *
 * Jupyter Server 1.23 leaves Nagle's algorithm on for kernel WebSockets, so its several small writes
 * per cell (busy, reply, idle) wait on the client's delayed ACK: ~40 ms a cell on Linux. As a
 * baseline that would flatter codeact's IPC path, so the server is started with TCP_NODELAY on
 * its kernel sockets: the best the WebSocket architecture can do.
 */
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import Docker from "dockerode";
import { DockerJupyterExecutor } from "../../executors/docker";
import { ownerLabels } from "../../executors/docker-reaper";

const NODELAY_SERVER = [
  "import sys",
  "from jupyter_server.services.kernels.handlers import ZMQChannelsHandler as H",
  "_open = H.open",
  "def _open_nodelay(self, *a, **k):",
  "    self.set_nodelay(True)",
  "    return _open(self, *a, **k)",
  "H.open = _open_nodelay",
  "from jupyter_server.serverapp import main",
  "sys.argv = sys.argv[1:]",
  "main()",
].join("\n");

export interface RunningJupyterServer {
  url: string;
  token: string;
  stop(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

export async function startJupyterServer(image = new DockerJupyterExecutor().image): Promise<RunningJupyterServer> {
  const docker = new Docker();
  const port = await freePort();
  const token = randomBytes(16).toString("hex");
  const container = await docker.createContainer({
    Image: image,
    Cmd: [
      "python3", "-c", NODELAY_SERVER, "jupyter-server",
      `--ServerApp.port=${port}`, "--ServerApp.ip=127.0.0.1", "--ServerApp.port_retries=0",
      `--IdentityProvider.token=${token}`, `--ServerApp.token=${token}`, "--ServerApp.open_browser=False",
      "--ServerApp.root_dir=/workspace",
    ],
    User: "1000:1000",
    WorkingDir: "/workspace",
    Env: ["HOME=/workspace", "IPYTHONDIR=/tmp/ipython", "MPLCONFIGDIR=/tmp/matplotlib", "JUPYTER_RUNTIME_DIR=/tmp/jupyter", "MPLBACKEND=module://matplotlib_inline.backend_inline"],
    Labels: { ...ownerLabels(), "codeact.role": "jupyter-server-test" },
    HostConfig: {
      NetworkMode: "host",
      ReadonlyRootfs: true,
      Tmpfs: { "/workspace": "rw,uid=1000,gid=1000", "/tmp": "rw,mode=1777" },
      Init: true,
      AutoRemove: false,
    },
  });
  await container.start();
  const url = `http://127.0.0.1:${port}/`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const res = await fetch(`${url}api/status`, { headers: { Authorization: `token ${token}` } });
      if (res.ok) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      const logs = (await container.logs({ stdout: true, stderr: true, tail: 20 })).toString();
      await container.remove({ force: true });
      throw new Error(`Jupyter server did not come up on ${url}: ${logs}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, token, stop: () => container.remove({ force: true }).then(() => undefined) };
}
