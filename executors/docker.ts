/**
 * A kernel in its own Docker container: no network, read-only root, writable /workspace (tmpfs),
 * non-root user, memory/pids/CPU limits, none of the host's environment. The kernel's sockets are
 * unix sockets in a per-kernel host directory bind-mounted at /kernel, so no TCP port is opened.
 */
import { randomUUID } from "node:crypto";
import { chmodSync, chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { z } from "zod";
import { connectDocker } from "./docker-engine";
import { LABEL_DIR, LABEL_EXECUTOR, LABEL_THREAD, ownerLabels, reapOrphans, track, trackCreation, untrack } from "./docker-reaper";
import { makeKernelDir, removeKernelDir } from "./kernel-dir";
import { addInputs, type InputFile, SANDBOX_INPUTS_DIR } from "./workspace/inputs";
import { writeInputsTree } from "./workspace/write-inputs";
import { KernelClient } from "./jupyter/client";
import { ipcConnection } from "./jupyter/connection";
import { kernelImageName } from "./image/recipe";
import { OUTPUTS_DIR } from "./workspace/outputs";
import type { ExecutorInfo, StdinHandler } from "./types";
import { type Death, kernelCommand, KernelOptionsSchema, type LaunchedKernel, JupyterKernelExecutor } from "./kernel-executor";
import { CodeActError } from "../errors";

export const DockerLimitsSchema = z.object({
  memoryMb: z.number().int().min(32).default(1024),
  pidsLimit: z.number().int().min(8).default(256),
  cpus: z.number().positive().default(1),
  workspaceMb: z.number().int().min(1).default(1024),
});

export const DockerExecutorOptionsSchema = KernelOptionsSchema.extend({
  /** Kernel image; default: $CODEACT_IMAGE, else the tag of the current recipe (executors/image). */
  image: z.string().optional(),
  limits: DockerLimitsSchema.default(DockerLimitsSchema.parse({})),
  /** Recorded as a container label, so `docker ps` tells which run a kernel belongs to. */
  threadId: z.string().optional(),
  /** Environment variables to set inside the sandbox (the host's own are never passed). */
  env: z.record(z.string(), z.string()).default({}),
});
export type DockerExecutorOptions = z.input<typeof DockerExecutorOptionsSchema> & { tools?: StdinHandler; docker?: Docker };

/** The last lines a dead kernel printed: usually the only clue to why it did not start. */
async function containerLogTail(container: Docker.Container): Promise<string> {
  try {
    const buf = (await container.logs({ stdout: true, stderr: true, tail: 15 })) as unknown as Buffer;
    // Multiplexed stream: 8-byte frame headers precede each chunk; strip them for a readable tail.
    const parts: string[] = [];
    for (let at = 0; at + 8 <= buf.length; ) {
      const size = buf.readUInt32BE(at + 4);
      parts.push(buf.subarray(at + 8, at + 8 + size).toString("utf8"));
      at += 8 + size;
    }
    return parts.join("").trim().slice(-1500);
  } catch {
    return "";
  }
}

/** The uid the kernel runs as: the image's `sandbox` user, or the host user when it is not root. */
function sandboxUser(): { uid: number; gid: number } {
  const uid = process.getuid?.() ?? 1000;
  const gid = process.getgid?.() ?? 1000;
  return uid === 0 ? { uid: 1000, gid: 1000 } : { uid, gid };
}

/**
 * The host directory of one kernel: `dir` (0700, ours, with the owner marker) holding `kernelDir`,
 * which is bind-mounted at /kernel. The kernel must create its sockets there while it starts; after
 * that nothing in it may be writable, or a cell could fill the host's disk through the mount.
 *
 * As root: kernelDir is root:<sandbox gid> 0770 while the kernel starts, then `seal()` makes it 0750.
 * The sandbox user is not the owner, so it cannot chmod it back; the sockets it already bound keep
 * working (we connect as root). The 0700 parent keeps other host users (even one whose gid happens
 * to be the sandbox's) out of the key and the sockets.
 *
 * Not root: the container runs as our own uid (so its sockets are ours to connect to), which makes
 * it the directory's owner: `seal()` drops the write bit, so an ordinary write fails, but a cell that
 * chmods the directory back can still write to it. Run codeact as root (or with rootful Docker and
 * a distinct sandbox uid) for the hard bound.
 */
function prepareKernelDir(gid: number): { dir: string; kernelDir: string; seal: () => void } {
  const dir = makeKernelDir();
  const kernelDir = join(dir, "kernel");
  mkdirSync(kernelDir, { mode: 0o700 });
  const root = process.getuid?.() === 0;
  if (root) {
    chownSync(kernelDir, 0, gid);
    chmodSync(kernelDir, 0o770);
  }
  const seal = () => chmodSync(kernelDir, root ? 0o750 : 0o500);
  return { dir, kernelDir, seal };
}

let reaped: Promise<unknown> | undefined;

export class DockerJupyterExecutor extends JupyterKernelExecutor {
  readonly id = `docker-${randomUUID().slice(0, 8)}`;
  private readonly docker: z.output<typeof DockerExecutorOptionsSchema>;
  private engine: Docker | undefined;
  /** Every input put so far: written into each new container's inputs folder. */
  private inputFiles: InputFile[] = [];
  /** The running container's inputs folder on the host, bind-mounted read-only at /workspace/inputs. */
  private inputsDir: string | undefined;

  constructor(options: DockerExecutorOptions = {}) {
    const { tools, docker, ...rest } = options;
    const parsed = DockerExecutorOptionsSchema.parse(rest);
    super(parsed, tools);
    this.docker = parsed;
    this.engine = docker;
  }

  get image(): string {
    return this.docker.image ?? kernelImageName();
  }

  protected baseInfo(): Omit<ExecutorInfo, "description"> {
    return { kind: "docker", sandboxed: true };
  }

  protected async launch(): Promise<LaunchedKernel> {
    const docker = (this.engine ??= await connectDocker());
    reaped ??= reapOrphans(docker).catch(() => undefined);
    await reaped;

    const { uid, gid } = sandboxUser();
    const { dir, kernelDir, seal } = prepareKernelDir(gid);
    // Inputs reach the kernel through a read-only bind mount: no write, chmod or rename inside it can
    // succeed, whoever the kernel runs as. (A root `docker exec` could not write into the tmpfs:
    // the container has no capabilities and no-new-privileges.) Files put later appear at once.
    const inputsDir = join(dir, "inputs");
    writeInputsTree(inputsDir, this.inputFiles, true);
    const info = ipcConnection("/kernel/k");
    writeFileSync(join(kernelDir, "connection.json"), JSON.stringify(info), { mode: 0o600 });
    if (process.getuid?.() === 0) {
      chownSync(join(kernelDir, "connection.json"), 0, gid);
      chmodSync(join(kernelDir, "connection.json"), 0o640);
    }

    const { memoryMb, pidsLimit, cpus, workspaceMb } = this.docker.limits;
    const env = {
      ...this.docker.env,
      HOME: "/workspace",
      IPYTHONDIR: "/tmp/ipython",
      MPLCONFIGDIR: "/tmp/matplotlib",
      MPLBACKEND: "module://matplotlib_inline.backend_inline",
      PYTHONUNBUFFERED: "1",
      LANG: "C.UTF-8",
      PATH: "/usr/local/bin:/usr/bin:/bin",
    };
    let container: Docker.Container;
    try {
      container = await trackCreation(docker.createContainer({
        Image: this.image,
        Cmd: ["python3", ...kernelCommand("/kernel/connection.json")],
        User: `${uid}:${gid}`,
        WorkingDir: "/workspace",
        Env: Object.entries(env).map(([k, v]) => `${k}=${v}`),
        Labels: {
          ...ownerLabels(),
          [LABEL_EXECUTOR]: this.id,
          [LABEL_DIR]: dir,
          ...(this.docker.threadId ? { [LABEL_THREAD]: this.docker.threadId } : {}),
        },
        NetworkDisabled: true,
        StopTimeout: 1,
        HostConfig: {
          NetworkMode: "none",
          ReadonlyRootfs: true,
          Tmpfs: {
            "/workspace": `rw,size=${workspaceMb}m,uid=${uid},gid=${gid},mode=0755`,
            "/tmp": "rw,size=256m,mode=1777",
          },
          Binds: [`${kernelDir}:/kernel`, `${inputsDir}:${SANDBOX_INPUTS_DIR}:ro`],
          // Whatever the kernel writes to fd 1/2 (os.write(1, …), subprocesses) lands in this log:
          // bounded, so a cell cannot fill the host's disk through it. Its tail explains deaths.
          LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "1" } },
          Memory: memoryMb * 1024 * 1024,
          MemorySwap: memoryMb * 1024 * 1024,
          PidsLimit: pidsLimit,
          NanoCpus: Math.round(cpus * 1e9),
          CapDrop: ["ALL"],
          SecurityOpt: ["no-new-privileges"],
          // A real PID 1 reaps the kernel's zombies and forwards signals.
          Init: true,
        },
      }));
    } catch (err) {
      removeKernelDir(dir);
      const msg = (err as Error).message;
      if (/No such image/i.test(msg)) {
        throw new CodeActError("sandbox", `Kernel image ${this.image} is missing.`, { hint: "Build it with ensureKernelImage() (or `npm run setup`).", step: "build_image", subject: this.image });
      }
      throw err;
    }
    track(docker, container.id, dir);
    // "next-exit": the default condition ("not-running") would answer at once for a created container.
    const died: Promise<Death> = container
      .wait({ condition: "next-exit" })
      .then(async (exit: { StatusCode?: number }) => {
        const state = await container.inspect().then((i) => i.State).catch(() => undefined);
        if (state?.OOMKilled) {
          return { reason: "oom" as const, detail: `out of memory: the kernel exceeded its ${memoryMb} MB limit and was killed` };
        }
        const logs = await containerLogTail(container);
        return { reason: "exited" as const, detail: `kernel container exited with code ${exit.StatusCode ?? state?.ExitCode ?? "?"}${logs ? `; its last output: ${logs}` : ""}` };
      })
      .catch((err: Error) => ({ reason: "unknown" as const, detail: `lost track of the kernel container: ${err.message}` }));
    this.inputsDir = inputsDir;
    const stop = async () => {
      if (this.inputsDir === inputsDir) this.inputsDir = undefined;
      untrack(container.id);
      await container.remove({ force: true }).catch(() => undefined);
      removeKernelDir(dir);
    };
    try {
      await container.start();
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      connect: () => new KernelClient(info, { hostPrefix: join(kernelDir, "k") }),
      connectionFile: join(kernelDir, "connection.json"),
      died,
      stop,
      sealed: seal,
      description: `${this.image} container ${container.id.slice(0, 12)}`,
    };
  }

  async putInputs(files: InputFile[]): Promise<void> {
    this.inputFiles = addInputs(this.inputFiles, files);
    if (this.inputsDir) writeInputsTree(this.inputsDir, files, true);
  }

  /**
   * Absolute: the agent's code may chdir. Listed and read by the kernel itself (kernel-executor.ts):
   * Docker's archive API cannot see a tmpfs, and nothing of the host is mounted into the sandbox.
   */
  protected override outputsRoot(): string {
    return `/workspace/${OUTPUTS_DIR}`;
  }

  /** The container id of the running kernel (for tests and `docker` debugging). */
  get containerId(): string | undefined {
    const d = this.info.description.match(/container ([0-9a-f]{12})/);
    return d?.[1];
  }
}
