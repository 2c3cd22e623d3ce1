/**
 * The default SQLite checkpointer, with large checkpoint blobs and channel writes deflated.
 *
 * A long run stores every cell's outputs once (DeltaChannel) and a checkpoint row per node run;
 * both are JSON that compresses several times over (tables, tracebacks, repeated keys). Metadata
 * stays plain JSON because the saver filters on it in SQL, and small values are left alone.
 * Files written without compression (or by the plain SqliteSaver) read back unchanged.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { type Checkpoint, type CheckpointMetadata, copyCheckpoint, type SerializerProtocol } from "@langchain/langgraph-checkpoint";
import { JsonPlusSerializer } from "@langchain/langgraph-checkpoint";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import type Database from "better-sqlite3";
import { DEFAULT_MAX_WRITE_BYTES, GuardedSerializer } from "./guard";

import { BLOB_MARK, deflate, inflate, MIN_BYTES, WRITE_TYPE } from "./compact-codec";
import { CodeActError } from "../errors";

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
    // The tables now, not at the first checkpoint: a run that fails before it (no Docker engine,
    // an MCP server that does not start) must not leave a file with only codeact's own tables.
    if (!db.readonly) this.setup();
  }

  /** As SqliteSaver.put, but the checkpoint blob is deflated (metadata stays queryable JSON). */
  override async put(config: RunnableConfig, checkpoint: Checkpoint, metadata: CheckpointMetadata): Promise<RunnableConfig> {
    this.setup();
    const threadId = config.configurable?.thread_id;
    const ns = config.configurable?.checkpoint_ns ?? "";
    if (!threadId) throw new CodeActError("internal", `Missing "thread_id" field in passed "config.configurable".`);
    const [[type, body], [, meta]] = await Promise.all([this.plain.dumpsTyped(copyCheckpoint(checkpoint)), this.plain.dumpsTyped(metadata)]);
    const blob = type === "json" && body.length >= MIN_BYTES ? Buffer.concat([Buffer.of(BLOB_MARK), deflate(body)]) : body;
    this.db
      .prepare("INSERT OR REPLACE INTO checkpoints (thread_id, checkpoint_ns, checkpoint_id, parent_checkpoint_id, type, checkpoint, metadata) VALUES (?, ?, ?, ?, ?, ?, ?)")
      .run(threadId, ns, checkpoint.id, config.configurable?.checkpoint_id, type, blob, meta);
    return { configurable: { thread_id: threadId, checkpoint_ns: ns, checkpoint_id: checkpoint.id } };
  }
}
