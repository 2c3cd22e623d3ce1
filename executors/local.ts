/**
 * A local ipykernel subprocess, for machines without Docker, only ever chosen explicitly. NOT a
 * sandbox: code runs with the rights of the user running codeact, so starting it always says so.
 * Its environment is scrubbed to a short allowlist (no API keys inherited), but the same user can
 * still read this process's environment through /proc/<pid>/environ: nothing short of a sandbox
 * hides it, which is why the warning names it.
 */
import { spawn, spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KernelClient } from "./jupyter/client";
import { makeKernelDir, removeKernelDir } from "./kernel-dir";
import { addInputs, type InputFile, INPUTS_DIR } from "./workspace/inputs";
import { unlockInputsTree, writeInputsTree } from "./workspace/write-inputs";
import { ipcConnection } from "./jupyter/connection";
import { listLocalOutputs, OUTPUTS_DIR, OutputReadError, type OutputFileInfo, readLocalOutput } from "./workspace/outputs";
import { readSetupState } from "./setup-state";
import type { ExecutorInfo, StdinHandler } from "./types";
import { ExecutorUnavailableError } from "./types";
import { type Death, kernelCommand, type KernelOptions, type LaunchedKernel, JupyterKernelExecutor } from "./kernel-executor";

export interface LocalExecutorOptions extends KernelOptions {
  /** Python with ipykernel installed; found automatically when omitted. */
  python?: string;
  /** Working directory of the kernel (default: a fresh temp dir, removed on shutdown). */
  cwd?: string;
  tools?: StdinHandler;
  /** Where the "not a sandbox" warning goes (default: stderr). It is always emitted, once per executor. */
  warn?: (line: string) => void;
}

export const LOCAL_KERNEL_WARNING =
  "codeact: WARNING: the local kernel is NOT a sandbox. The model's code runs with your user's rights: it can read and " +
  "change your files, reach the network, and read the environment of your other processes (API keys included) " +
  "through /proc/<pid>/environ. Use the Docker executor (the default) for sandboxed runs.";

function hasIpykernel(python: string): boolean {
  const probe = spawnSync(python, ["-c", "import ipykernel"], { stdio: "ignore", timeout: 15_000 });
  return probe.status === 0;
}

/** The first Python that can import ipykernel: option, $CODEACT_PYTHON, setup's finding, PATH, Debian's. */
export function findKernelPython(explicit?: string): string {
  const candidates = [explicit, process.env.CODEACT_PYTHON, readSetupState()?.localPython, "python3", "/usr/bin/python3"];
  for (const c of candidates) if (c && hasIpykernel(c)) return c;
  throw new ExecutorUnavailableError(
    "No local Python with ipykernel was found for the local (unsandboxed) kernel.",
    "Install it (Debian/Ubuntu: `apt-get install python3-ipykernel`; elsewhere `pip install ipykernel`) or set CODEACT_PYTHON to a python that has it.",
  );
}

export class LocalJupyterExecutor extends JupyterKernelExecutor {
  readonly id = `local-${randomUUID().slice(0, 8)}`;
  private python: string | undefined;
  private warned = false;
  /** Every input put so far: written into each new kernel's working folder. */
  private inputFiles: InputFile[] = [];
  /** The running kernel's inputs folder (`<cwd>/inputs`). */
  private inputsDir: string | undefined;
  /** The running kernel's working folder ("/workspace" for this backend). */
  private workdir: string | undefined;

  constructor(private readonly local: LocalExecutorOptions = {}) {
    super(local, local.tools);
  }

  protected baseInfo(): Omit<ExecutorInfo, "description"> {
    return { kind: "local", sandboxed: false };
  }

  protected async launch(): Promise<LaunchedKernel> {
    if (!this.warned) {
      this.warned = true;
      (this.local.warn ?? ((line: string) => process.stderr.write(`${line}\n`)))(LOCAL_KERNEL_WARNING);
    }
    this.python ??= findKernelPython(this.local.python);
    const dir = makeKernelDir();
    const info = ipcConnection(join(dir, "k"));
    const connFile = join(dir, "connection.json");
    writeFileSync(connFile, JSON.stringify(info), { mode: 0o600 });
    const cwd = this.local.cwd ?? mkdtempSync(join(tmpdir(), "codeact-work-"));
    // Read-only by mode only (files 0444, folders 0555): the kernel runs as the user who owns them, so
    // code that chmods them back can write, and root ignores modes. No sandbox; this stops accidents.
    const inputsDir = join(cwd, INPUTS_DIR);
    // A folder of the caller's own (`cwd` option) that already has inputs/ is left in place at the end.
    const ownInputs = !this.local.cwd || !existsSync(inputsDir);
    writeInputsTree(inputsDir, this.inputFiles, true);
    this.inputsDir = inputsDir;
    this.workdir = cwd;
    // The folder whose files are handed to the user exists from the start.
    mkdirSync(join(cwd, OUTPUTS_DIR), { recursive: true });
    // Its own HOME: IPython and matplotlib write their state there, not into the user's.
    const home = join(dir, "home");
    mkdirSync(home, { mode: 0o700 });
    const child = spawn(this.python, kernelCommand(connFile), {
      cwd,
      // Own process group: the kernel's interrupt signals its group, which must not include us.
      detached: true,
      stdio: ["ignore", "ignore", "pipe"],
      // An allowlist, never a copy of ours: API keys and tokens must not reach the model's code.
      env: {
        PATH: process.env.PATH ?? "/usr/bin:/bin",
        HOME: home,
        LANG: "C.UTF-8",
        MPLBACKEND: "module://matplotlib_inline.backend_inline",
        PYTHONUNBUFFERED: "1",
      },
    });
    let stderrTail = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderrTail = (stderrTail + chunk.toString()).slice(-2000);
    });
    const died = new Promise<Death>((resolve) => {
      child.once("exit", (code, signal) =>
        resolve({ reason: "exited", detail: `kernel process exited (code ${code}, signal ${signal}). ${stderrTail.trim()}`.trim() }),
      );
      child.once("error", (err) => resolve({ reason: "exited", detail: `could not start ${this.python}: ${err.message}` }));
    });
    const stop = async () => {
      if (child.exitCode === null && child.signalCode === null && child.pid) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {
          /* already gone */
        }
        await Promise.race([died, new Promise((r) => setTimeout(r, 2000))]);
      }
      removeKernelDir(dir);
      if (this.inputsDir === inputsDir) this.inputsDir = undefined;
      unlockInputsTree(inputsDir);
      if (ownInputs) rmSync(inputsDir, { recursive: true, force: true });
      if (this.workdir === cwd) this.workdir = undefined;
      if (!this.local.cwd) rmSync(cwd, { recursive: true, force: true });
    };
    return { connect: () => new KernelClient(info), died, stop, connectionFile: connFile, description: `local ipykernel pid ${child.pid} (${this.python}), unsandboxed` };
  }

  async putInputs(files: InputFile[]): Promise<void> {
    this.inputFiles = addInputs(this.inputFiles, files);
    if (this.inputsDir) writeInputsTree(this.inputsDir, files, true);
  }

  /** No listing by the kernel: the host sees its working folder directly, which is cheaper. */
  protected override outputsRoot(): undefined {
    return undefined;
  }

  /** Read on the host, which sees the kernel's working folder directly: cheaper than asking the kernel. */
  override async listOutputs(): Promise<OutputFileInfo[]> {
    return this.workdir ? listLocalOutputs(join(this.workdir, OUTPUTS_DIR)) : [];
  }

  override async readOutput(path: string, maxBytes: number): Promise<Buffer> {
    if (!this.workdir) throw new OutputReadError(`outputs/${path}: the kernel is not running`);
    return readLocalOutput(join(this.workdir, OUTPUTS_DIR), path, maxBytes);
  }

  override async readWorkspaceFile(path: string, maxBytes: number): Promise<Buffer> {
    if (!this.workdir) throw new OutputReadError(`${path}: the kernel is not running`);
    return readLocalOutput(this.workdir, path, maxBytes);
  }
}
