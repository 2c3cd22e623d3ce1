/**
 * Never write a checkpoint that cannot be read back. LangGraph's JsonPlusSerializer turns any
 * failure of JSON.stringify (a string past V8's ~512 MB limit, a BigInt, a throwing toJSON) into the
 * literal string "[unable to serialize, circular reference is too complex to analyze]" and the
 * saver stores that in place of the state: the run goes on, and the thread is garbage from then on.
 * This serializer refuses instead, and bounds what one write may hold, so the step fails with a
 * clear error and the thread stays readable up to its previous step.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { JsonPlusSerializer, MemorySaver, type PendingWrite, type SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { CodeActError } from "../errors";

/** What fast-safe-stringify (inside JsonPlusSerializer) returns when stringify throws. */
const UNSERIALIZABLE = JSON.stringify("[unable to serialize, circular reference is too complex to analyze]");
const UNSERIALIZABLE_BYTES = Buffer.from(UNSERIALIZABLE, "utf8");

export const DEFAULT_MAX_WRITE_BYTES = 16 * 1024 * 1024;

/** Bytes one checkpoint or channel write may take: CODEACT_MAX_CHECKPOINT_WRITE_MB, default 16 MB. */
export function maxWriteBytesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.CODEACT_MAX_CHECKPOINT_WRITE_MB);
  return env.CODEACT_MAX_CHECKPOINT_WRITE_MB && Number.isFinite(n) && n > 0 ? Math.floor(n * 1024 * 1024) : DEFAULT_MAX_WRITE_BYTES;
}

export class CheckpointWriteError extends CodeActError {
  constructor(message: string) {
    super("limit", message);
    this.name = "CheckpointWriteError";
  }
}

const KEPT = "the run is kept up to the previous step";

/** A cell is the usual reason a write is large; name it so the message says what to change. */
function whatIsIt(obj: unknown): string {
  const o = obj as { code?: unknown; result?: unknown } | null;
  return o && typeof o === "object" && "code" in o && "result" in o ? "cell output" : "graph state";
}

export class GuardedSerializer implements SerializerProtocol {
  constructor(
    private readonly inner: SerializerProtocol = new JsonPlusSerializer(),
    readonly maxBytes: number = DEFAULT_MAX_WRITE_BYTES,
  ) {}

  async dumpsTyped(obj: unknown): Promise<[string, Uint8Array]> {
    let out: [string, Uint8Array];
    try {
      out = await this.inner.dumpsTyped(obj);
    } catch (err) {
      throw new CheckpointWriteError(`${whatIsIt(obj)} cannot be checkpointed (${(err as Error).message}); ${KEPT}.`);
    }
    const [type, data] = out;
    // Empty: JSON.stringify gave undefined (a function, a symbol), which no reader can parse.
    if (type === "json" && data.length === 0) throw new CheckpointWriteError(`${whatIsIt(obj)} cannot be checkpointed: it has no JSON form; ${KEPT}.`);
    if (type === "json" && data.length === UNSERIALIZABLE_BYTES.length && Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(UNSERIALIZABLE_BYTES) && obj !== JSON.parse(UNSERIALIZABLE)) {
      throw new CheckpointWriteError(`${whatIsIt(obj)} cannot be checkpointed: it does not serialize to JSON (too large for one string, or a value JSON cannot hold); ${KEPT}.`);
    }
    if (data.length > this.maxBytes) {
      const mb = (n: number) => (n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`);
      throw new CheckpointWriteError(`${whatIsIt(obj)} too large to checkpoint: one write of ${mb(data.length)} is over the limit of ${mb(this.maxBytes)} (CODEACT_MAX_CHECKPOINT_WRITE_MB); ${KEPT}.`);
    }
    return out;
  }

  loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    return this.inner.loadsTyped(type, data);
  }
}

/**
 * MemorySaver stores each write of a step as soon as it is serialized, so one refused write would
 * leave its siblings behind: half a step. This one checks them all before storing any.
 */
export class GuardedMemorySaver extends MemorySaver {
  constructor(maxBytes: number = DEFAULT_MAX_WRITE_BYTES) {
    super(new GuardedSerializer(new JsonPlusSerializer(), maxBytes));
  }

  override async putWrites(config: RunnableConfig, writes: PendingWrite[], taskId: string, taskPath?: string): Promise<void> {
    for (const [, value] of writes) await this.serde.dumpsTyped(value);
    return super.putWrites(config, writes, taskId, taskPath);
  }
}
