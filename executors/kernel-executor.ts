/**
 * What every executor shares: running a cell on a Jupyter kernel, the output guard and tool prelude,
 * timeouts that interrupt and escalate to a restart, and death detection. Subclasses only say how
 * a kernel is launched, reached (ZeroMQ IPC, or a Jupyter server's WebSocket), stopped and watched.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { OutputCollector } from "./collector";
import { listingExpression, parseListing, readInKernel } from "./workspace/kernel-outputs";
import type { OutputFileInfo } from "./workspace/outputs";
import { KernelClosedError, MAX_MESSAGE_BYTES, type MessageHandler } from "./jupyter/client";
import type { JupyterMessage } from "./jupyter/messages";
import type {
  CodeExecutor,
  DeathReason,
  ExecuteOptions,
  ExecutionResult,
  ExecutorInfo,
  StdinHandler,
} from "./types";
import { CodeActError } from "../errors";

export const KernelOptionsSchema = z.object({
  /** Characters of stdout (and of stderr) kept per cell; beyond it the head and tail are kept. */
  maxOutputChars: z.number().int().positive().default(100_000),
  /** Default per-cell time limit when `execute` is not given one. */
  defaultTimeoutMs: z.number().int().positive().default(120_000),
  /** How long an interrupted cell may take to stop before the kernel is restarted instead. */
  interruptGraceMs: z.number().int().positive().default(5_000),
  /** How long a kernel may take from launch to its first kernel_info_reply. */
  startTimeoutMs: z.number().int().positive().default(30_000),
});
export type KernelOptions = z.input<typeof KernelOptionsSchema>;

export interface Death {
  reason: DeathReason;
  detail: string;
}

/**
 * How the executor talks to a kernel: requests correlated with their replies, iopub and stdin traffic
 * routed to the request that caused it. `KernelClient` (ZeroMQ) and `RemoteTransport` (WebSocket).
 */
export interface KernelTransport {
  request(
    channel: "shell" | "control",
    msgType: string,
    content: Record<string, unknown>,
    handlers?: { iopub?: MessageHandler; stdin?: MessageHandler },
  ): { msgId: string; reply: Promise<JupyterMessage> };
  replyInput(request: JupyterMessage, value: string): Promise<void>;
  release(msgId: string): void;
  /** Fails every waiting request with KernelClosedError. Idempotent. */
  close(reason?: string): void;
  readonly isClosed: boolean;
  /** Incoming messages dropped for a bad signature. */
  readonly rejectedMessages: number;
}

/** A launched kernel, as the subclass hands it over. */
export interface LaunchedKernel {
  /** Opens the connection the executor will use. */
  connect(): KernelTransport;
  /** Resolves when the kernel process is gone, with why. Never rejects. */
  died: Promise<Death>;
  /** Stops the process and frees its resources. Must be safe to call after it died. */
  stop(): Promise<void>;
  description: string;
  /** Host path of the connection file, e.g. for `jupyter console --existing` while debugging. */
  connectionFile?: string;
  /** Called once the kernel answers (its sockets exist) and before any code runs in it. */
  sealed?: () => void | Promise<void>;
}

/**
 * The python arguments that start ipykernel on a connection file. debugpy and jedi are made
 * unimportable: ipykernel then skips its debugger and IPython its jedi completer (codeact uses
 * neither), ~175 ms off every cold start. History goes to memory only: no SQLite file to create at
 * start or to write after every cell, and nothing of a run's code left behind on disk.
 */
export function kernelCommand(connectionFile: string): string[] {
  // ipykernel rewrites its connection file at start; ours is complete already, and the directory
  // that holds it is made read-only to the kernel once it runs (see docker.ts), so it must not.
  const boot =
    "import sys; sys.modules['debugpy'] = None; sys.modules['jedi'] = None; " +
    "from ipykernel.kernelapp import IPKernelApp; IPKernelApp.write_connection_file = lambda self: None; " +
    "from ipykernel.kernelapp import launch_new_instance; launch_new_instance()";
  return ["-c", boot, "-f", connectionFile, "--HistoryManager.enabled=False"];
}

const GUARD_SOURCE = readFileSync(join(__dirname, "python", "output_guard.py"), "utf8");
const FD_WATCH_SOURCE = readFileSync(join(__dirname, "python", "fd_watch.py"), "utf8");
const STDIN_SOURCE = readFileSync(join(__dirname, "python", "stdin_request.py"), "utf8");
/** Fixed random state per kernel, so a rebuilt kernel reproduces what the recorded run printed. */
const SEED_SOURCE = readFileSync(join(__dirname, "python", "seed.py"), "utf8").replace("__SEED__", "20240214");
const LISTING_KEY = "codeact_outputs";
/** After execute_reply, how long to wait for the iopub `idle` that proves all output arrived. */
const IDLE_AFTER_REPLY_MS = 5_000;

export abstract class JupyterKernelExecutor implements CodeExecutor {
  abstract readonly id: string;
  protected readonly options: z.output<typeof KernelOptionsSchema>;
  private kernel: LaunchedKernel | undefined;
  private client: KernelTransport | undefined;
  private death: Death | undefined;
  private starting: Promise<void> | undefined;
  /** Serialises executions: a kernel runs one cell at a time and so must we. */
  private queue: Promise<unknown> = Promise.resolve();
  private stdinHandler: StdinHandler | undefined;
  private kernelGeneration = 0;
  /** Called once when the current kernel dies; each cell listens only while it runs. */
  private deathListeners = new Set<() => void>();
  /** Set by shutdown(): a shut-down executor never starts a kernel again (no container leaks after exit). */
  private closed = false;
  /** The outputs listing that came back with the last cell's reply (a user expression), until read or stale. */
  private cellListing: string | undefined;

  constructor(options: KernelOptions = {}, stdinHandler?: StdinHandler) {
    this.options = KernelOptionsSchema.parse(options);
    this.stdinHandler = stdinHandler;
  }

  protected abstract launch(): Promise<LaunchedKernel>;
  protected abstract baseInfo(): Omit<ExecutorInfo, "description">;
  abstract putInputs(files: { name: string; data: Buffer }[]): Promise<void>;

  /** Runs `code` silently (no history, no execution count) in the running kernel, for executor housekeeping. */
  protected async runHidden(code: string): Promise<void> {
    await this.start();
    const run = this.queue.then(() => (this.client ? this.run(this.client, code, {}, true) : undefined));
    this.queue = run.catch(() => undefined);
    const result = await run;
    if (result && result.status !== "ok") throw new CodeActError("sandbox", `housekeeping code failed in the kernel: ${result.error ? `${result.error.ename}: ${result.error.evalue}` : result.status}`);
  }

  get info(): ExecutorInfo {
    return { ...this.baseInfo(), description: this.kernel?.description ?? "not started" };
  }

  get generation(): number {
    return this.kernelGeneration;
  }

  /** Host path of the running kernel's connection file (its sockets are reachable from the host). */
  get connectionFile(): string | undefined {
    return this.kernel?.connectionFile;
  }

  /** Signatures that failed verification on this kernel's channels (should stay 0). */
  get rejectedMessages(): number {
    return this.client?.rejectedMessages ?? 0;
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(new CodeActError("usage", `Executor ${this.id} was shut down; create a new one.`));
    if (this.client && !this.death) return Promise.resolve();
    this.starting ??= this.boot().finally(() => {
      this.starting = undefined;
    });
    return this.starting;
  }

  private async boot(): Promise<void> {
    const kernel = await this.launch();
    this.kernelGeneration++;
    this.kernel = kernel;
    this.death = undefined;
    const client = kernel.connect();
    this.client = client;
    const listeners = (this.deathListeners = new Set());
    void kernel.died.then((death) => {
      for (const listener of listeners) listener();
      if (this.kernel !== kernel) return;
      this.death = death;
      client.close(`kernel died (${death.reason}): ${death.detail}`);
    });
    try {
      await this.waitForReady(client, kernel);
      await kernel.sealed?.();
      await this.runPrelude(client);
    } catch (err) {
      await this.teardown();
      throw err;
    }
  }

  /**
   * iopub is a PUB/SUB channel: messages published before our subscription reaches the kernel are
   * lost. Ask kernel_info until its reply *and* an iopub message for it arrive, as jupyter_client does.
   */
  private async waitForReady(client: KernelTransport, kernel: LaunchedKernel): Promise<void> {
    const deadline = Date.now() + this.options.startTimeoutMs;
    let attempt = 0;
    while (Date.now() < deadline) {
      if (this.death) throw new CodeActError("sandbox", `Kernel exited during start (${this.death.reason}): ${this.death.detail}`);
      let sawIopub = false;
      const { msgId, reply } = client.request("shell", "kernel_info_request", {}, { iopub: () => (sawIopub = true) });
      const wait = Math.min(100 * 2 ** attempt++, 1000);
      const got = await Promise.race([reply.then(() => true), kernel.died.then(() => false), sleep(wait * 5).then(() => false)]);
      if (got) {
        const until = Date.now() + wait;
        while (!sawIopub && Date.now() < until) await sleep(2);
      }
      client.release(msgId);
      if (got && sawIopub) return;
    }
    throw new CodeActError("sandbox", `Kernel did not answer within ${this.options.startTimeoutMs} ms (${kernel.description}).`);
  }

  private async runPrelude(client: KernelTransport): Promise<void> {
    const limit = this.options.maxOutputChars;
    // The sandbox keeps half the limit as head and half as tail, so what reaches the host fits the
    // host's own buffer and the sandbox's marker (with the true count of dropped characters) survives.
    const half = String(Math.floor(limit / 2));
    const guard = GUARD_SOURCE.replace("__HEAD_LIMIT__", half)
      .replace("__TAIL_LIMIT__", half)
      .replace("__MAX_MESSAGE_BYTES__", String(MAX_MESSAGE_BYTES / 2));
    // The folder whose files are handed to the user exists from the start (where it can be made).
    const root = this.outputsRoot();
    // Relative roots are resolved against the first working folder, wherever a cell moves later.
    const outputs = root === undefined ? "" : `__import__('os').environ.setdefault('CODEACT_WORKDIR', __import__('os').getcwd())\ntry:\n    __import__('os').makedirs(${JSON.stringify(root)}, exist_ok=True)\nexcept OSError:\n    pass`;
    // The fd watchers first: the guard recognises their output by their threads.
    const code = [FD_WATCH_SOURCE, guard, STDIN_SOURCE, SEED_SOURCE, outputs, this.stdinHandler?.prelude() ?? ""].join("\n");
    const result = await this.run(client, code, { timeoutMs: this.options.startTimeoutMs }, true);
    if (result.status !== "ok") {
      const why = result.error ? `${result.error.ename}: ${result.error.evalue}` : result.status;
      throw new CodeActError("sandbox", `Kernel prelude failed (${why}). ${result.stderr}`);
    }
  }

  async setStdinHandler(handler: StdinHandler | undefined): Promise<void> {
    this.stdinHandler = handler;
    if (this.client && !this.death && handler) {
      const result = await this.run(this.client, handler.prelude(), {}, true);
      if (result.status !== "ok") throw new CodeActError("tool", `Tool prelude failed: ${result.error?.evalue ?? result.status}`);
    }
  }

  execute(code: string, options: ExecuteOptions = {}): Promise<ExecutionResult> {
    const next = this.queue.then(async () => {
      if (!this.client && !this.death && !this.closed) await this.start();
      const client = this.client;
      if (!client || this.death || client.isClosed) {
        const death = this.death ?? { reason: "unknown" as const, detail: "kernel is not running" };
        return new OutputCollector(1).finish({
          status: "died",
          durationMs: 0,
          died: { reason: death.reason, detail: `${death.detail}. Call restart() for a fresh kernel.` },
        });
      }
      return this.run(client, code, options, false);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The files under the kernel's outputs folder, listed by the kernel itself (lstat, no symlink
   * followed): one silent request with a user expression, no cell, no history, no output. Backends
   * that can see the folder from the host (local) list it there instead.
   */
  async listOutputs(): Promise<OutputFileInfo[]> {
    // The listing that came back with the last cell's reply, if nothing ran since: no round trip.
    const ready = this.cellListing;
    this.cellListing = undefined;
    if (ready !== undefined) return parseListing(ready);
    const root = this.outputsRoot();
    if (root === undefined) throw new CodeActError("internal", `${this.id} lists its outputs from the host`);
    const repr = await this.evaluate(listingExpression(root));
    return repr === undefined ? [] : parseListing(repr);
  }

  /** Read by the kernel too (workspace/kernel-outputs.ts: readInKernel). */
  async readOutput(path: string, maxBytes: number): Promise<Buffer> {
    return readInKernel((e) => this.evaluate(e), this.outputsRoot(), path, maxBytes);
  }

  /** A file anywhere under /workspace (one the final answer names), by the same rules as readOutput. */
  async readWorkspaceFile(path: string, maxBytes: number): Promise<Buffer> {
    const outputs = this.outputsRoot();
    return readInKernel((e) => this.evaluate(e), outputs === undefined ? undefined : outputs.replace(/\/?outputs$/, "") || ".", path, maxBytes);
  }

  /**
   * The outputs folder as the kernel sees it (absolute in a container, relative to its working folder
   * otherwise); undefined for a backend that lists and reads it from the host instead.
   */
  protected outputsRoot(): string | undefined {
    return "outputs";
  }

  /**
   * Evaluates one Python expression between cells and returns its text/plain repr; undefined when no
   * kernel runs. Queued like a cell, so it never overlaps one.
   */
  protected evaluate(expression: string, timeoutMs = 10_000): Promise<string | undefined> {
    const next = this.queue.then(async () => {
      const client = this.client;
      if (!client || this.death || client.isClosed) return undefined;
      const { msgId, reply } = client.request("shell", "execute_request", { code: "", silent: true, store_history: false, user_expressions: { v: expression }, allow_stdin: false, stop_on_error: false });
      try {
        const msg = await Promise.race([reply, sleep(timeoutMs).then(() => undefined)]);
        if (!msg) throw new CodeActError("sandbox", `the kernel did not answer within ${timeoutMs} ms`);
        const v = (msg.content.user_expressions as Record<string, { status?: string; data?: Record<string, unknown>; ename?: string; evalue?: string }> | undefined)?.v;
        if (v?.status !== "ok") throw new CodeActError("sandbox", v?.ename ? `${v.ename}: ${v.evalue}` : "the kernel returned no value");
        return String(v.data?.["text/plain"] ?? "");
      } finally {
        client.release(msgId);
      }
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async run(client: KernelTransport, code: string, options: ExecuteOptions, silent: boolean): Promise<ExecutionResult> {
    const started = performance.now();
    this.cellListing = undefined;
    // Files out: the kernel lists outputs/ right after the cell, in the same reply (ipykernel
    // evaluates user expressions only after a cell that succeeded; otherwise listOutputs asks).
    const root = silent ? undefined : this.outputsRoot();
    const listing = root === undefined ? undefined : listingExpression(root);
    const collector = new OutputCollector(this.options.maxOutputChars, options.onOutput);
    let idle!: () => void;
    const idleSeen = new Promise<void>((r) => (idle = r));
    const handler = this.stdinHandler;
    const { msgId, reply } = client.request(
      "shell",
      "execute_request",
      // stop_on_error would make ipykernel abort requests that arrive just after an error; we send
      // one request at a time, so it can only turn a good cell into a spurious "aborted".
      { code, silent, store_history: !silent, user_expressions: listing ? { [LISTING_KEY]: listing } : {}, allow_stdin: handler !== undefined, stop_on_error: false },
      {
        iopub: (msg) => {
          if (collector.handle(msg)) idle();
        },
        // Bound to the caller's async context, so a tool run from Python nests under the caller's
        // trace (LangSmith, LangChain callbacks) instead of the socket loop's empty context.
        stdin: AsyncLocalStorage.bind((msg: JupyterMessage) => void this.answerInput(client, handler, collector, msg)),
      },
    );
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((r) => (timer = setTimeout(() => r("timeout"), timeoutMs)));
    const kernel = this.kernel!;
    // Not kernel.died.then(…): on a kernel that lives for thousands of cells, every such call would
    // keep its reaction (and the cell's reply) until the kernel dies.
    const listeners = this.deathListeners;
    let onDeath!: () => void;
    const died = new Promise<"died">((resolve) => listeners.add((onDeath = () => resolve("died"))));
    const replied = reply.then(
      (msg) => msg,
      (err: Error) => (err instanceof KernelClosedError ? ("died" as const) : Promise.reject(err)),
    );
    try {
      let outcome = await Promise.race([replied, timedOut, died]);
      let timeoutNote: string | undefined;
      if (outcome === "timeout") {
        timeoutNote = await this.stopRunaway(client, replied, died);
        outcome = "timeout";
      }
      if (outcome === "died") {
        // A restart or shutdown from outside closes the connection without the process dying first.
        const closed: Death = { reason: "unknown", detail: "the connection to the kernel was closed (restart or shutdown)" };
        const death = await Promise.race([kernel.died, sleep(2000).then(() => closed)]);
        return collector.finish({ status: "died", durationMs: performance.now() - started, died: death });
      }
      if (outcome !== "timeout") {
        let idleTimer: NodeJS.Timeout | undefined;
        await Promise.race([idleSeen, new Promise<void>((r) => (idleTimer = setTimeout(r, IDLE_AFTER_REPLY_MS)))]);
        clearTimeout(idleTimer);
        collector.noteReplyError(outcome.content);
        const listed = (outcome.content.user_expressions as Record<string, { status?: string; data?: Record<string, unknown> }> | undefined)?.[LISTING_KEY];
        if (listing && listed?.status === "ok" && typeof listed.data?.["text/plain"] === "string") this.cellListing = listed.data["text/plain"];
        const status = outcome.content.status === "ok" ? "ok" : "error";
        return collector.finish({ status, durationMs: performance.now() - started });
      }
      return collector.finish({
        status: "timeout",
        durationMs: performance.now() - started,
        error: { ename: "TimeoutError", evalue: `Cell exceeded its ${timeoutMs} ms limit. ${timeoutNote}`, traceback: [] },
      });
    } finally {
      clearTimeout(timer);
      listeners.delete(onDeath);
      client.release(msgId);
    }
  }

  /** Interrupts a cell past its limit; restarts the kernel when the interrupt does not take. */
  private async stopRunaway(client: KernelTransport, replied: Promise<JupyterMessage | "died">, died: Promise<"died">): Promise<string> {
    await this.sendInterrupt(client);
    const grace = sleep(this.options.interruptGraceMs).then(() => "grace" as const);
    const after = await Promise.race([replied, died, grace]);
    if (after === "grace") {
      await this.restartKernel();
      return "The interrupt did not stop it, so the kernel was restarted: all variables are gone.";
    }
    if (after === "died") return "The kernel died while being interrupted.";
    return "It was interrupted; variables defined before it are kept.";
  }

  private async answerInput(client: KernelTransport, handler: StdinHandler | undefined, collector: OutputCollector, msg: JupyterMessage): Promise<void> {
    if (msg.header.msg_type !== "input_request") return;
    const prompt = String(msg.content.prompt ?? "");
    try {
      const { reply, record } = handler
        ? await handler.handleInput(prompt, Boolean(msg.content.password))
        : { reply: "", record: undefined };
      if (record) collector.recordToolCall(record);
      await client.replyInput(msg, reply);
    } catch (err) {
      // The kernel waits forever for an input_reply: always send one, even when the handler broke.
      await client.replyInput(msg, "").catch(() => undefined);
      collector.handle({ header: { msg_type: "stream" }, content: { name: "stderr", text: `codeact: stdin handler failed: ${(err as Error).message}\n` } });
    }
  }

  private async sendInterrupt(client: KernelTransport): Promise<void> {
    const { msgId, reply } = client.request("control", "interrupt_request", {});
    await Promise.race([reply.catch(() => undefined), sleep(1000)]);
    client.release(msgId);
  }

  async interrupt(): Promise<void> {
    if (this.client && !this.death) await this.sendInterrupt(this.client);
  }

  private async restartKernel(): Promise<void> {
    if (this.closed) return;
    await this.teardown();
    await this.start();
  }

  /** Restarts even while a cell is running (that cell ends as died); later cells wait for it. */
  async restart(): Promise<void> {
    await this.restartKernel();
  }

  private async teardown(): Promise<void> {
    const kernel = this.kernel;
    this.client?.close("kernel shut down");
    this.client = undefined;
    this.kernel = undefined;
    this.death = undefined;
    this.cellListing = undefined;
    if (kernel) await kernel.stop();
  }

  async shutdown(): Promise<void> {
    this.closed = true;
    await this.starting?.catch(() => undefined);
    await this.teardown();
  }

  /** The same as shutdown(): everything this executor started goes, so the process can exit. */
  close(): Promise<void> {
    return this.shutdown();
  }

  /** `await using executor = new DockerJupyterExecutor()` shuts the kernel down at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref?.());
}
