/**
 * Jupyter messaging protocol 5.3: building, signing, verifying and parsing wire messages.
 * https://jupyter-client.readthedocs.io/en/stable/messaging.html#the-wire-protocol
 *
 * Wire frames: [...routing identities, "<IDS|MSG>", hmac, header, parent_header, metadata, content, ...buffers]
 */
import { createHmac, randomUUID, timingSafeEqual } from "node:crypto";
import { CodeActError } from "../../errors";

export const PROTOCOL_VERSION = "5.3";
export const DELIMITER = "<IDS|MSG>";
const DELIMITER_BUF = Buffer.from(DELIMITER);

export interface MessageHeader {
  msg_id: string;
  msg_type: string;
  session: string;
  username: string;
  date: string;
  version: string;
  [extra: string]: unknown;
}

export interface JupyterMessage<C = Record<string, unknown>> {
  header: MessageHeader;
  /** Empty object when the message answers nothing. */
  parent_header: Partial<MessageHeader>;
  metadata: Record<string, unknown>;
  content: C;
  buffers: Buffer[];
  /** ZMQ routing prefix frames (only meaningful on ROUTER sockets). */
  identities: Buffer[];
}

export type SignatureScheme = "hmac-sha256";

/**
 * One client session: signs outgoing messages with the kernel's key and verifies incoming ones.
 * Messages with a bad or missing signature are dropped and counted, never handed on: a process
 * that can reach the sockets but lacks the key must not be able to drive or spoof the kernel.
 */
export class Session {
  readonly id: string;
  private readonly key: Buffer;
  private rejected = 0;

  constructor(
    key: string,
    readonly username = "codeact",
    scheme: string = "hmac-sha256",
  ) {
    if (scheme !== "hmac-sha256") {
      throw new CodeActError("sandbox", `Unsupported Jupyter signature scheme "${scheme}": codeact speaks hmac-sha256 only.`);
    }
    this.key = Buffer.from(key, "utf8");
    this.id = randomUUID();
  }

  /** How many incoming messages were dropped for a bad signature or a malformed frame layout. */
  get rejectedCount(): number {
    return this.rejected;
  }

  build<C>(msgType: string, content: C, parent?: Partial<MessageHeader>, metadata: Record<string, unknown> = {}): JupyterMessage<C> {
    return {
      header: {
        msg_id: randomUUID(),
        msg_type: msgType,
        session: this.id,
        username: this.username,
        date: new Date().toISOString(),
        version: PROTOCOL_VERSION,
      },
      parent_header: parent ?? {},
      metadata,
      content,
      buffers: [],
      identities: [],
    };
  }

  sign(parts: readonly (Buffer | string)[]): string {
    if (this.key.length === 0) return "";
    const hmac = createHmac("sha256", this.key);
    for (const p of parts) hmac.update(p);
    return hmac.digest("hex");
  }

  serialize(msg: JupyterMessage<unknown>): Buffer[] {
    const header = Buffer.from(JSON.stringify(msg.header));
    const parent = Buffer.from(JSON.stringify(msg.parent_header));
    const metadata = Buffer.from(JSON.stringify(msg.metadata));
    const content = Buffer.from(JSON.stringify(msg.content));
    const signature = Buffer.from(this.sign([header, parent, metadata, content]));
    return [...msg.identities, DELIMITER_BUF, signature, header, parent, metadata, content, ...msg.buffers];
  }

  /** Parses and verifies frames; returns undefined (and counts it) when they must not be trusted. */
  deserialize(frames: readonly Buffer[]): JupyterMessage | undefined {
    const at = frames.findIndex((f) => f.length === DELIMITER_BUF.length && f.equals(DELIMITER_BUF));
    if (at < 0 || frames.length < at + 6) {
      this.rejected++;
      return undefined;
    }
    const [signature, header, parent, metadata, content] = frames.slice(at + 1, at + 6) as [Buffer, Buffer, Buffer, Buffer, Buffer];
    if (this.key.length > 0) {
      const expected = Buffer.from(this.sign([header, parent, metadata, content]));
      if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
        this.rejected++;
        return undefined;
      }
    }
    try {
      return {
        header: JSON.parse(header.toString("utf8")) as MessageHeader,
        parent_header: JSON.parse(parent.toString("utf8")) as Partial<MessageHeader>,
        metadata: JSON.parse(metadata.toString("utf8")) as Record<string, unknown>,
        content: JSON.parse(content.toString("utf8")) as Record<string, unknown>,
        buffers: frames.slice(at + 6) as Buffer[],
        identities: frames.slice(0, at) as Buffer[],
      };
    } catch {
      this.rejected++;
      return undefined;
    }
  }
}
