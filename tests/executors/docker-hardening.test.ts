/**
 * Docker kernel hardening against a hostile cell: the host's disk (container log, /kernel mount),
 * and kernels left behind by an owner that was killed or signalled.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { DockerJupyterExecutor } from "../../executors/docker";
import { reapOrphans } from "../../executors/docker-reaper";

const docker = new Docker();
const ROOT = join(__dirname, "..", "..");

describe("Docker kernel: a cell cannot fill the host's disk", () => {
  let ex: DockerJupyterExecutor;
  beforeAll(async () => {
    ex = new DockerJupyterExecutor();
    await ex.start();
  }, 60_000);
  afterAll(async () => {
    await ex?.shutdown();
  });

  it("bounds the container log: 200 MB written to fd 1 leave a log of a few MB at most", async () => {
    const r = await ex.execute(
      "import os\nchunk = b'y' * (1 << 20) + b'\\n'\nfor _ in range(200):\n    os.write(1, chunk)\nprint('done')",
      { timeoutMs: 180_000 },
    );
    expect(r.status).toBe("ok");
    expect(r.truncated).toBe(true);
    const info = await docker.getContainer(ex.containerId!).inspect();
    expect(info.HostConfig.LogConfig).toMatchObject({ Type: "json-file" });
    // The log copier works asynchronously: what it has written must already be bounded, and stays so.
    const size = statSync(info.LogPath).size;
    expect(size).toBeLessThan(4 * 1024 * 1024);
  }, 240_000);

  it("makes /kernel read-only to the kernel once it runs, and the kernel keeps working", async () => {
    const r = await ex.execute(
      "import os\nresults = []\nfor path in ['/kernel/big', '/kernel/connection.json']:\n" +
        "    try:\n        open(path, 'a').write('x' * 1000)\n        results.append('WROTE ' + path)\n" +
        "    except PermissionError as e:\n        results.append('denied')\n" +
        "try:\n    os.chmod('/kernel', 0o777)\n    results.append('CHMOD')\nexcept PermissionError:\n    results.append('denied')\nprint(results)",
    );
    // (sliced: a failure must not print megabytes)
    expect(r.stdout.slice(0, 300).trim()).toBe("['denied', 'denied', 'denied']");
    expect((await ex.execute("21 * 2")).results[0]?.data["text/plain"]).toBe("42");
  });
});

function startChild(): { child: ChildProcess; started: Promise<{ container: string; dir: string }> } {
  // One process (not the tsx CLI, which would relay signals to a child of its own).
  const child = spawn(process.execPath, ["--import", "tsx", join(__dirname, "fixtures", "docker-kernel-child.ts")], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let err = "";
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const started = new Promise<{ container: string; dir: string }>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("\n")) resolve(JSON.parse(out.split("\n")[0]!) as { container: string; dir: string });
    });
    child.once("exit", (code) => reject(new Error(`child exited (${code}) before starting a kernel: ${err}`)));
  });
  return { child, started };
}

const exited = (child: ChildProcess) => new Promise<void>((r) => (child.exitCode !== null || child.signalCode !== null ? r() : child.once("exit", () => r())));
const gone = (id: string) => docker.getContainer(id).inspect().then(() => false, () => true);

describe("Docker kernels of an owner that ends", () => {
  it("reaps the container AND its host directory of an owner killed with -9", async () => {
    const { child, started } = startChild();
    const { container, dir } = await started;
    expect(existsSync(dir)).toBe(true);
    child.kill("SIGKILL");
    await exited(child);
    expect(await gone(container)).toBe(false);
    const reaped = await reapOrphans(docker);
    expect(reaped.some((id) => id.startsWith(container))).toBe(true);
    expect(await gone(container)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  }, 90_000);

  it("reaps the host directory of a dead owner even when its container is already gone", async () => {
    const { child, started } = startChild();
    const { container, dir } = await started;
    child.kill("SIGKILL");
    await exited(child);
    await docker.getContainer(container).remove({ force: true });
    await reapOrphans(docker);
    expect(existsSync(dir)).toBe(false);
  }, 90_000);

  it.each(["SIGTERM", "SIGHUP"] as const)("removes its container and directory on %s", async (signal) => {
    const { child, started } = startChild();
    const { container, dir } = await started;
    child.kill(signal);
    await exited(child);
    expect(child.signalCode).toBe(signal);
    expect(await gone(container)).toBe(true);
    expect(existsSync(dir)).toBe(false);
  }, 90_000);
});
