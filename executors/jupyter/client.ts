/**
 * A Jupyter kernel client over ZeroMQ: the five channels, request/reply correlation by parent
 * msg_id, iopub and stdin routing to the request that caused them, and the heartbeat.
 * This is the only place that touches sockets; executors above it speak in messages.
 */
import { Dealer, Request, Subscriber } from "zeromq";
import { randomBytes } from "node:crypto";
import { type Channel, type ConnectionInfo, endpoint } from "./connection";
import { type JupyterMessage, Session } from "./messages";
import { CodeActError } from "../../errors";

export type MessageHandler = (msg: JupyterMessage) => void;

interface Pending {
  resolve: (msg: JupyterMessage) => void;
  reject: (err: Error) => void;
}

export class KernelClosedError extends CodeActError {
  constructor(reason: string) {
    super("sandbox", `Kernel connection closed: ${reason}`);
    this.name = "KernelClosedError";
  }
}

/** zeromq.js allows one send in flight per socket; this serialises sends without blocking callers. */
class SendQueue {
  private tail: Promise<void> = Promise.resolve();
  constructor(private readonly socket: Dealer | Request) {}
  send(frames: Buffer[]): Promise<void> {
    const next = this.tail.then(() => this.socket.send(frames));
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * The largest message frame the host accepts from a kernel; ZeroMQ drops a bigger one (and resets
 * that connection) before it reaches our memory. The kernel's own guard keeps honest messages
 * under half of it (executors/python/output_guard.py), so only crafted ones ever hit it.
 */
export const MAX_MESSAGE_BYTES = 64 * 1024 * 1024;

export interface KernelClientOptions {
  /** Path prefix the host uses for ipc sockets when it differs from the one in the connection file. */
  hostPrefix?: string;
}

export class KernelClient {
  readonly session: Session;
  private readonly shell: Dealer;
  private readonly control: Dealer;
  private readonly stdin: Dealer;
  private readonly iopub: Subscriber;
  private readonly queues: Record<"shell" | "control" | "stdin", SendQueue>;
  private readonly pending = new Map<string, Pending>();
  private readonly iopubHandlers = new Map<string, MessageHandler>();
  private readonly stdinHandlers = new Map<string, MessageHandler>();
  private closed: string | undefined;

  constructor(
    private readonly info: ConnectionInfo,
    private readonly options: KernelClientOptions = {},
  ) {
    this.session = new Session(info.key, "codeact", info.signature_scheme);
    // ipykernel answers stdin requests to the identity of the shell request that asked; the stdin
    // DEALER must therefore carry the same routing id as the shell DEALER.
    const routingId = randomBytes(8).toString("hex");
    const common = { linger: 0, reconnectInterval: 10, reconnectMaxInterval: 200, maxMessageSize: MAX_MESSAGE_BYTES };
    this.shell = new Dealer({ ...common, routingId });
    this.stdin = new Dealer({ ...common, routingId });
    this.control = new Dealer({ ...common, routingId: `${routingId}-ctl` });
    this.iopub = new Subscriber({ ...common });
    this.queues = { shell: new SendQueue(this.shell), control: new SendQueue(this.control), stdin: new SendQueue(this.stdin) };
    const sockets: [Dealer | Subscriber, Channel][] = [
      [this.shell, "shell"],
      [this.stdin, "stdin"],
      [this.control, "control"],
      [this.iopub, "iopub"],
    ];
    for (const [socket, channel] of sockets) {
      socket.connect(this.ep(channel));
      void this.reconnectAfterDrop(socket, channel);
    }
    this.iopub.subscribe();
    void this.pump(this.shell, (m) => this.settle(m));
    void this.pump(this.control, (m) => this.settle(m));
    void this.pump(this.iopub, (m) => this.route(this.iopubHandlers, m));
    void this.pump(this.stdin, (m) => this.route(this.stdinHandlers, m));
  }

  private ep(channel: Channel): string {
    return endpoint(this.info, channel, this.options.hostPrefix);
  }

  get isClosed(): boolean {
    return this.closed !== undefined;
  }

  /** Messages dropped because their signature did not verify. */
  get rejectedMessages(): number {
    return this.session.rejectedCount;
  }

  private async pump(socket: Dealer | Subscriber, deliver: MessageHandler): Promise<void> {
    try {
      for await (const frames of socket) {
        const msg = this.session.deserialize(frames as Buffer[]);
        if (msg) deliver(msg);
      }
    } catch (err) {
      // Closing the socket ends the iterator with an error; only report it when unexpected.
      if (!this.closed) this.close(`socket failed: ${(err as Error).message}`);
    }
  }

  /**
   * A frame over maxMessageSize makes ZeroMQ drop the connection as a protocol error, and it does
   * not reconnect by itself after one: without this, one crafted message would silence the channel
   * for good. (A kernel that died also disconnects; reconnecting then just retries until close().)
   */
  private async reconnectAfterDrop(socket: Dealer | Subscriber, channel: Channel): Promise<void> {
    try {
      for await (const event of socket.events) {
        if (this.closed) return;
        if (event.type !== "disconnect") continue;
        try {
          socket.disconnect(this.ep(channel));
        } catch {
          /* already forgotten by ZeroMQ */
        }
        socket.connect(this.ep(channel));
      }
    } catch {
      /* the socket was closed */
    }
  }

  private settle(msg: JupyterMessage): void {
    const id = msg.parent_header.msg_id;
    const waiter = id ? this.pending.get(id) : undefined;
    if (!waiter || !id) return;
    this.pending.delete(id);
    waiter.resolve(msg);
  }

  private route(handlers: Map<string, MessageHandler>, msg: JupyterMessage): void {
    const id = msg.parent_header.msg_id;
    if (id) handlers.get(id)?.(msg);
  }

  /**
   * Sends a request; `reply` resolves with the reply whose parent is this request. Handlers for the
   * request's iopub and stdin traffic are registered before sending so nothing can be missed.
   */
  request(
    channel: "shell" | "control",
    msgType: string,
    content: Record<string, unknown>,
    handlers: { iopub?: MessageHandler; stdin?: MessageHandler } = {},
  ): { msgId: string; reply: Promise<JupyterMessage> } {
    const msg = this.session.build(msgType, content);
    const msgId = msg.header.msg_id;
    if (this.closed) return { msgId, reply: Promise.reject(new KernelClosedError(this.closed)) };
    if (handlers.iopub) this.iopubHandlers.set(msgId, handlers.iopub);
    if (handlers.stdin) this.stdinHandlers.set(msgId, handlers.stdin);
    const reply = new Promise<JupyterMessage>((resolve, reject) => {
      this.pending.set(msgId, { resolve, reject });
    });
    this.queues[channel].send(this.session.serialize(msg)).catch((err: Error) => {
      const waiter = this.pending.get(msgId);
      this.pending.delete(msgId);
      waiter?.reject(err);
    });
    return { msgId, reply };
  }

  /** Stops routing iopub/stdin traffic for a finished request. */
  release(msgId: string): void {
    this.iopubHandlers.delete(msgId);
    this.stdinHandlers.delete(msgId);
    this.pending.delete(msgId);
  }

  /** Answers an input_request. */
  async replyInput(request: JupyterMessage, value: string): Promise<void> {
    const reply = this.session.build("input_reply", { value }, request.header);
    await this.queues.stdin.send(this.session.serialize(reply));
  }

  /** One heartbeat round trip; false when the kernel does not echo within the timeout. */
  async heartbeat(timeoutMs = 1000): Promise<boolean> {
    const hb = new Request({ linger: 0, receiveTimeout: timeoutMs, sendTimeout: timeoutMs, maxMessageSize: 1024 });
    try {
      hb.connect(this.ep("hb"));
      const ping = Buffer.from("ping");
      await hb.send(ping);
      const [pong] = await hb.receive();
      return pong !== undefined && pong.equals(ping);
    } catch {
      return false;
    } finally {
      hb.close();
    }
  }

  /** Closes every socket and fails all waiting requests with `reason`. Idempotent. */
  close(reason = "closed by client"): void {
    if (this.closed) return;
    this.closed = reason;
    for (const [, waiter] of this.pending) waiter.reject(new KernelClosedError(reason));
    this.pending.clear();
    this.iopubHandlers.clear();
    this.stdinHandlers.clear();
    for (const s of [this.shell, this.control, this.stdin, this.iopub]) s.close();
  }
}
