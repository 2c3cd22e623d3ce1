/**
 * A kernel behind any Jupyter Server, Kernel Gateway or Enterprise Gateway, reached with
 * @jupyterlab/services (REST to start/stop, one persistent WebSocket for messages). This is the
 * scale-out path (kernels on Kubernetes behind a gateway) and the baseline for the IPC path.
 */
import { randomUUID } from "node:crypto";
import { KernelAPI, KernelMessage, ServerConnection } from "@jupyterlab/services";
import { addInputs, type InputFile, INPUTS_DIR } from "./workspace/inputs";
import { inputsModeCode } from "./workspace/write-inputs";
import { KernelConnection } from "@jupyterlab/services/lib/kernel/default";
import type { Kernel } from "@jupyterlab/services";
import WebSocket from "ws";
import { z } from "zod";
import { KernelClosedError, type MessageHandler } from "./jupyter/client";
import type { JupyterMessage } from "./jupyter/messages";
import { type Death, JupyterKernelExecutor, KernelOptionsSchema, type KernelTransport, type LaunchedKernel } from "./kernel-executor";
import type { ExecutorInfo, StdinHandler } from "./types";
import { ExecutorUnavailableError } from "./types";
import { CodeActError } from "../errors";

export const RemoteExecutorOptionsSchema = KernelOptionsSchema.extend({
  /** Base URL of the server, e.g. http://127.0.0.1:8888/ or https://gateway.example/ */
  url: z.string().url(),
  /** Token auth (Jupyter Server's ?token= / Authorization: token …). */
  token: z.string().default(""),
  kernelName: z.string().default("python3"),
});
export type RemoteExecutorOptions = z.input<typeof RemoteExecutorOptionsSchema> & { tools?: StdinHandler };

/**
 * @jupyterlab/services announces every kernel WebSocket with console.debug, which in Node writes to
 * stdout: in the middle of a CLI's output, or of `codeact run --json`. Only that line is dropped.
 */
let announcementsMuted = false;
function muteSocketAnnouncements(): void {
  if (announcementsMuted) return;
  announcementsMuted = true;
  const debug = console.debug.bind(console);
  console.debug = (...args: unknown[]) => {
    if (typeof args[0] === "string" && args[0].startsWith("Starting WebSocket: ")) return;
    debug(...args);
  };
}

function toJupyter(msg: KernelMessage.IMessage): JupyterMessage {
  return msg as unknown as JupyterMessage;
}

/** Adapts a @jupyterlab/services kernel connection to the executor's transport interface. */
class RemoteTransport implements KernelTransport {
  private closed: string | undefined;
  private readonly futures = new Map<string, Kernel.IFuture<KernelMessage.IShellControlMessage, KernelMessage.IShellControlMessage>>();
  private readonly rejecters = new Map<string, (err: Error) => void>();

  constructor(private readonly kernel: Kernel.IKernelConnection) {}

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  /** The server verifies signatures on its side; the WebSocket carries unsigned JSON. */
  get rejectedMessages(): number {
    return 0;
  }

  request(
    channel: "shell" | "control",
    msgType: string,
    content: Record<string, unknown>,
    handlers: { iopub?: MessageHandler; stdin?: MessageHandler } = {},
  ): { msgId: string; reply: Promise<JupyterMessage> } {
    // createMessage's overloads are keyed by literal message types; ours arrive as plain strings.
    const create = KernelMessage.createMessage as unknown as (o: object) => KernelMessage.IShellControlMessage;
    const msg = create({ channel, msgType, session: this.kernel.clientId, username: this.kernel.username, content });
    const msgId = msg.header.msg_id;
    if (this.closed) return { msgId, reply: Promise.reject(new KernelClosedError(this.closed)) };
    const reply = new Promise<JupyterMessage>((resolve, reject) => {
      this.rejecters.set(msgId, reject);
      try {
        const future =
          channel === "shell"
            ? this.kernel.sendShellMessage(msg as KernelMessage.IShellMessage, true, true)
            : this.kernel.sendControlMessage(msg as KernelMessage.IControlMessage, true, true);
        this.futures.set(msgId, future as never);
        if (handlers.iopub) future.onIOPub = (m) => handlers.iopub!(toJupyter(m));
        if (handlers.stdin && "onStdin" in future) (future as Kernel.IShellFuture).onStdin = (m) => handlers.stdin!(toJupyter(m));
        future.onReply = (m: KernelMessage.IMessage) => resolve(toJupyter(m));
        future.done.catch((err: Error) => reject(err));
      } catch (err) {
        reject(err as Error);
      }
    });
    return { msgId, reply };
  }

  async replyInput(request: JupyterMessage, value: string): Promise<void> {
    this.kernel.sendInputReply({ status: "ok", value }, request.header as never);
  }

  release(msgId: string): void {
    this.futures.delete(msgId);
    this.rejecters.delete(msgId);
  }

  close(reason = "closed by client"): void {
    if (this.closed) return;
    this.closed = reason;
    for (const reject of this.rejecters.values()) reject(new KernelClosedError(reason));
    this.rejecters.clear();
    for (const f of this.futures.values()) if (!f.isDisposed) f.dispose();
    this.futures.clear();
  }
}

export class RemoteJupyterExecutor extends JupyterKernelExecutor {
  readonly id = `remote-${randomUUID().slice(0, 8)}`;
  private readonly remote: z.output<typeof RemoteExecutorOptionsSchema>;
  private readonly settings: ServerConnection.ISettings;

  constructor(options: RemoteExecutorOptions) {
    const { tools, ...rest } = options;
    const parsed = RemoteExecutorOptionsSchema.parse(rest);
    super(parsed, tools);
    this.remote = parsed;
    const baseUrl = parsed.url.endsWith("/") ? parsed.url : `${parsed.url}/`;
    this.settings = ServerConnection.makeSettings({
      baseUrl,
      wsUrl: baseUrl.replace(/^http/, "ws"),
      token: parsed.token,
      appendToken: true,
      WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
    });
  }

  protected baseInfo(): Omit<ExecutorInfo, "description"> {
    return { kind: "remote", sandboxed: true };
  }

  private inputFiles: InputFile[] = [];

  /**
   * Uploads through the server's contents API (PUT /api/contents/inputs/<name>, base64) into the
   * server's root folder, which is the working directory of the kernels it starts. Read-only by mode
   * (files 0444, folders 0555), set from inside the kernel: the kernel runs as the user who owns
   * them, so this stops accidental writes, not a cell that chmods them back.
   */
  async putInputs(files: InputFile[]): Promise<void> {
    this.inputFiles = addInputs(this.inputFiles, files);
    await this.runHidden(inputsModeCode(false));
    const folders = new Set<string>([INPUTS_DIR]);
    for (const f of files) {
      const parts = f.name.split("/");
      for (let i = 1; i < parts.length; i++) folders.add(`${INPUTS_DIR}/${parts.slice(0, i).join("/")}`);
    }
    for (const folder of [...folders].sort((a, b) => a.length - b.length)) await this.putContents(folder, { type: "directory" });
    for (const f of files) await this.putContents(`${INPUTS_DIR}/${f.name}`, { type: "file", format: "base64", content: f.data.toString("base64") });
    await this.runHidden(inputsModeCode(true));
  }

  private async putContents(path: string, body: Record<string, unknown>): Promise<void> {
    const url = `${this.settings.baseUrl}api/contents/${path.split("/").map(encodeURIComponent).join("/")}`;
    let res: Response;
    try {
      res = await ServerConnection.makeRequest(url, { method: "PUT", body: JSON.stringify(body) }, this.settings);
    } catch (err) {
      throw new CodeActError("sandbox", `Could not upload input ${JSON.stringify(path)} to ${this.remote.url}: ${(err as Error).message}`);
    }
    if (!res.ok) {
      const text = (await res.text().catch(() => "")).slice(0, 300);
      throw new CodeActError("sandbox", `The Jupyter server at ${this.remote.url} refused input ${JSON.stringify(path)} (HTTP ${res.status}${text ? `: ${text}` : ""}). Input files need a server with the contents API (Jupyter Server; a Kernel Gateway has none).`);
    }
  }

  /** The connection refuses to send before its WebSocket is open and the kernel has answered. */
  private connected(kernel: Kernel.IKernelConnection): Promise<void> {
    if (kernel.connectionStatus === "connected") return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new CodeActError("sandbox", `No WebSocket connection to the kernel on ${this.remote.url} within ${this.options.startTimeoutMs} ms.`)),
        this.options.startTimeoutMs,
      );
      kernel.connectionStatusChanged.connect((_, status) => {
        if (status !== "connected") return;
        clearTimeout(timer);
        resolve();
      });
    });
  }

  protected async launch(): Promise<LaunchedKernel> {
    let model: Kernel.IModel;
    try {
      model = await KernelAPI.startNew({ name: this.remote.kernelName }, this.settings);
    } catch (err) {
      throw new ExecutorUnavailableError(
        `Could not start a "${this.remote.kernelName}" kernel on ${this.remote.url}: ${(err as Error).message}`,
        "Check that the Jupyter server / gateway is running and reachable, and that its token (token auth) is right.",
        "check_remote_server",
      );
    }
    muteSocketAnnouncements();
    const kernel = new KernelConnection({ model, serverSettings: this.settings, handleComms: false });
    const died = new Promise<Death>((resolve) => {
      kernel.statusChanged.connect((_, status) => {
        if (status === "dead") resolve({ reason: "exited", detail: `the server reports kernel ${model.id} dead` });
        if (status === "autorestarting") resolve({ reason: "exited", detail: `the server restarted kernel ${model.id} after it died; its state is gone` });
      });
      kernel.disposed.connect(() => resolve({ reason: "unknown", detail: "the kernel connection was disposed" }));
    });
    const stop = async () => {
      if (!kernel.isDisposed) kernel.dispose();
      await KernelAPI.shutdownKernel(model.id, this.settings).catch(() => undefined);
    };
    try {
      await this.connected(kernel);
    } catch (err) {
      await stop();
      throw err;
    }
    return {
      connect: () => new RemoteTransport(kernel),
      died,
      stop,
      description: `kernel ${model.id} on ${this.remote.url}`,
    };
  }
}
