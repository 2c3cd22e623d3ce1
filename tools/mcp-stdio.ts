/**
 * The reading side of a stdio MCP connection, bounded. The SDK's reader closes the whole
 * connection (and stops the server) when one message passes its buffer limit, so one large tool
 * result would leave every later call "Not connected". This reader instead drops a message past
 * the limit as it streams in, never holding more than the limit, and answers the request it was
 * meant for with an error that says why, so the server keeps working for the rest of the run.
 */
import { deserializeMessage } from "@modelcontextprotocol/sdk/shared/stdio.js";
import type { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { JSONRPCMessage } from "@modelcontextprotocol/sdk/types.js";

type Id = string | number;

/** Bytes one message from a stdio server may take (default 16 MiB; CODEACT_MCP_MAX_MESSAGE_BYTES). */
export function maxMessageBytes(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.CODEACT_MCP_MAX_MESSAGE_BYTES);
  return Number.isInteger(n) && n >= 1_024 ? n : 16 * 1024 * 1024;
}

const EDGE = 256;
/** The reply's id where JSON-RPC writers put it: first (`{"jsonrpc":"2.0","id":7,…`) or last (`…,"id":7}`). */
const HEAD_ID = /^\s*\{\s*(?:"jsonrpc"\s*:\s*"2\.0"\s*,\s*)?"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")/;
const TAIL_ID = /[,{]\s*"id"\s*:\s*(-?\d+|"(?:[^"\\]|\\.)*")\s*\}\s*$/;

function idOf(head: string, tail: string, pending: Set<Id>): Id | undefined {
  const found = HEAD_ID.exec(head)?.[1] ?? TAIL_ID.exec(tail)?.[1];
  if (found !== undefined) {
    const id = JSON.parse(found) as Id;
    if (pending.has(id)) return id;
  }
  // Calls from one kernel come one at a time: a single request waiting is the one.
  return pending.size === 1 ? [...pending][0] : undefined;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

class BoundedReader {
  private parts: Buffer[] = [];
  private size = 0;
  /** Set while a message past the limit streams by: its first and last bytes, and its size. */
  private skipping: { head: Buffer; tail: Buffer; bytes: number } | undefined;
  private queue: (string | JSONRPCMessage)[] = [];

  constructor(
    private readonly max: number,
    private readonly pending: Set<Id>,
  ) {}

  append(chunk: Buffer): void {
    for (let start = 0; start < chunk.length; ) {
      const nl = chunk.indexOf(10, start);
      const piece = chunk.subarray(start, nl === -1 ? chunk.length : nl);
      if (this.skipping) {
        this.skipping.bytes += piece.length;
        this.skipping.tail = Buffer.concat([this.skipping.tail, piece]).subarray(-EDGE);
      } else if (this.size + piece.length > this.max) {
        const held = Buffer.concat([...this.parts, piece]);
        this.skipping = { head: held.subarray(0, EDGE), tail: held.subarray(-EDGE), bytes: held.length };
        this.parts = [];
        this.size = 0;
      } else {
        this.parts.push(piece);
        this.size += piece.length;
      }
      if (nl === -1) break;
      this.endLine();
      start = nl + 1;
    }
  }

  private endLine(): void {
    if (this.skipping) {
      const { head, tail, bytes } = this.skipping;
      this.skipping = undefined;
      const id = idOf(head.toString("utf8"), tail.toString("utf8"), this.pending);
      if (id === undefined) return;
      const message = `the MCP server's reply was ${mib(bytes)}, past the ${mib(this.max)} a reply may take, so it was dropped unread (the server is still connected); ask for less: a page, a filter, a summary`;
      this.queue.push({ jsonrpc: "2.0", id, error: { code: -32000, message } });
    } else {
      this.queue.push(Buffer.concat(this.parts).toString("utf8").replace(/\r$/, ""));
      this.parts = [];
      this.size = 0;
    }
  }

  readMessage(): JSONRPCMessage | null {
    const next = this.queue.shift();
    if (next === undefined) return null;
    const message = typeof next === "string" ? deserializeMessage(next) : next;
    if ("id" in message && message.id !== undefined && !("method" in message)) this.pending.delete(message.id);
    return message;
  }

  clear(): void {
    this.parts = [];
    this.size = 0;
    this.skipping = undefined;
    this.queue = [];
  }
}

/**
 * Puts the bounded reader into `transport` (before it starts) and tracks the requests it sends, so
 * a dropped reply can be answered for. The SDK keeps its reader in a private field: checked here,
 * so an SDK that renames it fails loudly instead of silently keeping the unbounded one.
 */
export function boundReplies(transport: StdioClientTransport, max = maxMessageBytes()): void {
  const slot = transport as unknown as { _readBuffer?: unknown; send: StdioClientTransport["send"] };
  if (!slot._readBuffer) throw new Error("@modelcontextprotocol/sdk's StdioClientTransport no longer has _readBuffer; tools/mcp-stdio.ts must follow it");
  const pending = new Set<Id>();
  slot._readBuffer = new BoundedReader(max, pending);
  const send = transport.send.bind(transport);
  slot.send = (message: JSONRPCMessage) => {
    if ("method" in message && "id" in message && message.id !== undefined) pending.add(message.id);
    return send(message);
  };
}
