import { execFileSync } from "node:child_process";
import Docker from "dockerode";
import { DockerJupyterExecutor } from "../../executors/docker";
import { LABEL_APP, LABEL_OWNER_HOST, LABEL_OWNER_PID } from "../../executors/docker-reaper";
import { reapOrphans } from "../../executors/docker-reaper";
import { executorContract } from "./contract";
import { outputContract } from "./output-contract";
import { sharedKernel } from "../helpers/shared-kernel";
import { hostname } from "node:os";

const docker = new Docker();

// Neither contract checks a fresh kernel (the last contract test restarts it): one kernel serves both.
describe("DockerJupyterExecutor: one kernel", () => {
  const kernel = sharedKernel(() => new DockerJupyterExecutor());
  executorContract("DockerJupyterExecutor", kernel);
  outputContract("DockerJupyterExecutor", kernel, { zmq: true });
});

describe("DockerJupyterExecutor sandbox", () => {
  let ex: DockerJupyterExecutor;
  const SECRET = `codeact-secret-${process.pid}`;
  beforeAll(async () => {
    process.env.CODEACT_TEST_SECRET = SECRET;
    ex = new DockerJupyterExecutor({ limits: { memoryMb: 256, pidsLimit: 64 } });
    await ex.start();
  }, 60_000);
  afterAll(async () => {
    delete process.env.CODEACT_TEST_SECRET;
    await ex?.shutdown();
  });

  it("runs one locked-down container per kernel: no network, read-only root, non-root, limits, no TCP port", async () => {
    const id = ex.containerId!;
    const info = await docker.getContainer(id).inspect();
    expect(info.HostConfig.NetworkMode).toBe("none");
    expect(info.HostConfig.ReadonlyRootfs).toBe(true);
    expect(info.HostConfig.Memory).toBe(256 * 1024 * 1024);
    expect(info.HostConfig.PidsLimit).toBe(64);
    expect(info.HostConfig.NanoCpus).toBeGreaterThan(0);
    expect(info.Config.User).not.toMatch(/^0?(:|$)/);
    expect(info.NetworkSettings.Ports ?? {}).toEqual({});
    expect(info.Config.Labels[LABEL_OWNER_PID]).toBe(String(process.pid));
    const r = await ex.execute("import os\nprint(os.getuid(), os.getcwd())");
    expect(r.stdout).not.toMatch(/^0 /);
    expect(r.stdout.trim().endsWith("/workspace")).toBe(true);
  });

  it("has no network: a connection from the sandbox fails", async () => {
    const r = await ex.execute(
      "import socket\ntry:\n    socket.create_connection(('1.1.1.1', 53), timeout=3)\n    print('CONNECTED')\nexcept OSError as e:\n    print('blocked', e)",
    );
    expect(r.stdout).toMatch(/^blocked/);
    const dns = await ex.execute("import urllib.request\nurllib.request.urlopen('http://deb.debian.org', timeout=3)");
    expect(dns.status).toBe("error");
  });

  it("can write /workspace but nothing outside it", async () => {
    const ok = await ex.execute("open('/workspace/data.csv', 'w').write('a,b\\n1,2\\n')\nopen('/workspace/data.csv').read()");
    expect(ok.status).toBe("ok");
    for (const path of ["/etc/evil", "/usr/lib/evil", "/evil", "/root/evil"]) {
      const r = await ex.execute(`open('${path}', 'w').write('x')`);
      expect(r.status).toBe("error");
      expect(r.error?.ename).toMatch(/OSError|PermissionError/);
    }
  });

  it("does not see the host's environment", async () => {
    const r = await ex.execute("import os\nprint(repr(os.environ.get('CODEACT_TEST_SECRET')))\nprint(any('codeact-secret' in v for v in os.environ.values()))");
    expect(r.stdout).toBe("None\nFalse\n");
  });

  it("stops a process bomb at the pids limit and stays usable", async () => {
    const r = await ex.execute(
      "import subprocess\nprocs = []\ntry:\n    for _ in range(500):\n        procs.append(subprocess.Popen(['sleep', '30']))\nexcept OSError as e:\n    print('stopped after', len(procs), type(e).__name__)\nfinally:\n    for p in procs:\n        p.kill(); p.wait()",
      { timeoutMs: 60_000 },
    );
    const m = r.stdout.match(/stopped after (\d+) (\w+)/);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeLessThan(64);
    expect((await ex.execute("2 + 2")).results[0]?.data["text/plain"]).toBe("4");
  }, 90_000);

  it("ends a memory bomb with status died, reason oom; restart() gives a working kernel", async () => {
    await ex.execute("kept = 1");
    const r = await ex.execute("hog = bytearray(1024 * 1024 * 1024)\nhog[::4096] = b'x' * len(hog[::4096])", { timeoutMs: 60_000 });
    expect(r.status).toBe("died");
    expect(r.died?.reason).toBe("oom");
    expect(r.died?.detail).toMatch(/256 MB/);
    await ex.restart();
    const again = await ex.execute("import numpy as np\nint(np.arange(10).sum())");
    expect(again.status).toBe("ok");
    expect(again.results[0]?.data["text/plain"]).toBe("45");
  }, 90_000);
});

describe("DockerJupyterExecutor lifecycle", () => {
  it("removes its container on shutdown", async () => {
    const ex = new DockerJupyterExecutor();
    await ex.start();
    const id = ex.containerId!;
    await ex.shutdown();
    await expect(docker.getContainer(id).inspect()).rejects.toThrow(/no such container/i);
  }, 60_000);

  it("reaps containers whose owner process is gone, and leaves live owners' alone", async () => {
    const dead = execFileSync("node", ["-e", "console.log(process.pid)"]).toString().trim();
    const image = new DockerJupyterExecutor().image;
    const make = (pid: string) =>
      docker.createContainer({
        Image: image,
        Cmd: ["sleep", "60"],
        Labels: { [LABEL_APP]: "1", [LABEL_OWNER_HOST]: hostname(), [LABEL_OWNER_PID]: pid },
        HostConfig: { NetworkMode: "none" },
      });
    const orphan = await make(dead);
    const mine = await make(String(process.pid));
    try {
      const reaped = await reapOrphans(docker);
      expect(reaped).toContain(orphan.id);
      expect(reaped).not.toContain(mine.id);
      await expect(orphan.inspect()).rejects.toThrow(/no such container/i);
    } finally {
      await mine.remove({ force: true });
      await orphan.remove({ force: true }).catch(() => undefined);
    }
  });

  it("says how to start Docker or set DOCKER_HOST when no daemon answers", async () => {
    const saved = process.env.DOCKER_HOST;
    process.env.DOCKER_HOST = "unix:///tmp/codeact-no-such-docker.sock";
    try {
      const ex = new DockerJupyterExecutor();
      const started = Date.now();
      await expect(ex.start()).rejects.toThrow(/DOCKER_HOST/);
      await expect(ex.start()).rejects.toThrow(/dockerd|docker/);
      expect(Date.now() - started).toBeLessThan(10_000);
    } finally {
      if (saved === undefined) delete process.env.DOCKER_HOST;
      else process.env.DOCKER_HOST = saved;
    }
  });
});
