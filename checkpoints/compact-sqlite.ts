/**
 * The default SQLite checkpointer, with large checkpoint blobs and channel writes deflated.
 *
 * A long run stores every cell's outputs once (DeltaChannel) and a checkpoint row per node run;
 * both are JSON that compresses several times over (tables, tracebacks, repeated keys). Metadata
 * stays plain JSON because the saver filters on it in SQL, and small values are left alone.
 * Files written without compression (or by the plain SqliteSaver) read back unchanged.
 */
import { deflateRawSync, inflateRawSync } from "node:zlib";
import type { RunnableConfig } from "@langchain/core/runnables";
import { type Checkpoint, type CheckpointMetadata, copyCheckpoint, type SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type Database from "better-sqlite3";
import { DEFAULT_MAX_WRITE_BYTES, GuardedSerializer } from "./guard";

/** Below this many bytes deflate saves too little to pay for itself. */
const MIN_BYTES = 384;
/**
 * Writes are read back through `CAST(value AS TEXT)` inside SQLite's JSON functions, so their
 * compressed form must be text: base64, under a type of its own.
 */
const WRITE_TYPE = "json+deflate64-d1";
/** A checkpoint blob is read as a BLOB; JSON text never starts with a NUL byte, so it marks deflate. */
const BLOB_MARK = 0;
/**
 * A preset deflate dictionary: the JSON skeleton of a CodeAct checkpoint and cell. A checkpoint
 * row is ~1 KB of mostly these keys, so the dictionary more than halves what deflate alone leaves.
 * It is part of the stored format ("-d1"): never edit it; add a new one under a new mark.
 */
const DICTIONARY = Buffer.from(
  '{"id":"","step":0,"attempt":0,"code":"","result":{"status":"ok","stdout":"","stderr":"","results":[],"toolCalls":[],"durationMs":0,"truncated":false},"startedAt":"2026-01-01T00:00:00.000Z"}' +
    '{"v":4,"id":"1f000000-0000-6000-8000-000000000000","ts":"2026-01-01T00:00:00.000Z","channel_values":{"task":"","plan":[{"description":"","doneCriterion":""}],"currentStep":1,' +
    '"pendingAction":{"kind":"code","code":"","thought":""},"observation":"","debugAttempts":0,"iterations":0,"invalidOutputs":0,"replans":0,"feedback":"","tokens":0,"startedAt":0,' +
    '"status":"running","statusDetail":"","answer":null,"rejected":false,"__pregel_tasks":[],"branch:to:executor":"coder"},"channel_versions":{"__start__":2,"task":2,' +
    '"branch:to:planner":3,"plan":3,"tokens":1,"startedAt":3,"branch:to:coder":1,"pendingAction":1,"iterations":1,"branch:to:executor":1,"cells":1,"branch:to:critic":1,' +
    '"critiques":1,"currentStep":6,"observation":1},"versions_seen":{"__input__":{},"__start__":{"__start__":1},"planner":{"branch:to:planner":2},"coder":{"branch:to:coder":1},' +
    '"executor":{"branch:to:executor":1},"critic":{"branch:to:critic":1}}}',
);
const deflate = (data: Uint8Array) => deflateRawSync(data, { dictionary: DICTIONARY });
const inflate = (data: Uint8Array) => inflateRawSync(data, { dictionary: DICTIONARY });

class CompressingSerde implements SerializerProtocol {
  /** Refuses what would not read back, before anything is compressed or stored. */
  constructor(private readonly json: SerializerProtocol) {}

  async dumpsTyped(obj: unknown): Promise<[string, Uint8Array]> {
    const [type, data] = await this.json.dumpsTyped(obj);
    if (type !== "json" || data.length < MIN_BYTES) return [type, data];
    const packed = Buffer.from(deflate(data).toString("base64"), "latin1");
    return packed.length < data.length ? [WRITE_TYPE, packed] : [type, data];
  }

  async loadsTyped(type: string, data: Uint8Array | string): Promise<unknown> {
    if (type === WRITE_TYPE) {
      const text = typeof data === "string" ? data : Buffer.from(data).toString("latin1");
      return this.json.loadsTyped("json", inflate(Buffer.from(text, "base64")));
    }
    if (type === "json" && typeof data !== "string" && data[0] === BLOB_MARK) return this.json.loadsTyped("json", inflate(data.subarray(1)));
    return this.json.loadsTyped(type, data);
  }
}

export class CompactSqliteSaver extends SqliteSaver {
  private readonly plain: GuardedSerializer;

  constructor(db: Database.Database, options: { maxWriteBytes?: number } = {}) {
    const guarded = new GuardedSerializer(new JsonPlusSerializer(), options.maxWriteBytes ?? DEFAULT_MAX_WRITE_BYTES);
    super(db, new CompressingSerde(guarded));
    this.plain = guarded;
  }

  /** As SqliteSaver.put, but the checkpoint blob is deflated (metadata stays queryable JSON). */
  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    this.setup();
    const threadId = config.configurable?.thread_id;
    const ns = config.configurable?.checkpoint_ns ?? "";
    if (!threadId) throw new Error(`Missing "thread_id" field in passed "config.configurable".`);
    const [[type, body], [, meta]] = await Promise.all([this.plain.dumpsTyped(copyCheckpoint(checkpoint)), this.plain.dumpsTyped(metadata)]);
    const blob = type === "json" && body.length >= MIN_BYTES ? Buffer.concat([Buffer.of(BLOB_MARK), deflate(body)]) : body;
    this.db
      .prepare("INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(threadId, ns, checkpoint.id, config.configurable?.checkpoint_id, type, blob, meta);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }
}
