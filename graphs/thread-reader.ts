/**
 * One thread's checkpoints, read once, for everything that reads the thread without running it.
 *
 * A delta channel (cells, messages, turns, critiques) stores only each step's writes; LangGraph
 * rebuilds its value at a checkpoint by walking every ancestor back to the thread's start. Asked
 * for every checkpoint (`codeact history`), that walk makes reading a thread cost its length
 * squared: 123 s for 600 actions. This saver lists the thread once and keeps each checkpoint's
 * rebuilt value, so the value at a checkpoint is its parent's plus the parent's writes: each
 * checkpoint is read and each write applied once. It answers LangGraph's own reads
 * (`getState`, `getStateHistory`), so snapshots come out exactly as they would from the store.
 * Read-only: a graph given this saver cannot write.
 */
import type { RunnableConfig } from "@langchain/core/runnables";
import { BaseCheckpointSaver, type CheckpointListOptions, type CheckpointTuple, type DeltaChannelHistory } from "@langchain/langgraph-checkpoint";
import { CodeActError } from "../errors";

/** What the reader needs of a LangGraph channel (a compiled graph's `channels`). */
interface ChannelSpec {
  lc_graph_name: string;
  fromCheckpoint(checkpoint?: unknown): ChannelSpec;
  replayWrites?(writes: unknown[]): void;
  update(values: unknown[]): boolean;
  isAvailable(): boolean;
  get(): unknown;
}

const READ_ONLY = () => new CodeActError("internal", "A thread reader only reads: write to the store's own saver.");

export class ThreadReader extends BaseCheckpointSaver {
  private readonly byId = new Map<string, CheckpointTuple>();
  /** `<checkpoint id>\0<channel>` → the channel's value at that checkpoint (before its pending writes). */
  private readonly values = new Map<string, unknown>();

  private constructor(
    readonly inner: BaseCheckpointSaver,
    readonly threadId: string,
    private readonly newestFirst: CheckpointTuple[],
    private readonly channels: Record<string, unknown>,
  ) {
    super(inner.serde);
    for (const t of newestFirst) this.byId.set(String(t.config.configurable?.checkpoint_id), t);
  }

  /** Lists the thread's root checkpoints once; `channelsOf` gives the channels of the graph that wrote it. */
  static async open(saver: BaseCheckpointSaver, threadId: string, channelsOf: (latest: CheckpointTuple | undefined) => Record<string, unknown>): Promise<ThreadReader> {
    if (saver instanceof ThreadReader && saver.threadId === threadId) return saver;
    const tuples: CheckpointTuple[] = [];
    for await (const t of saver.list({ configurable: { thread_id: threadId, checkpoint_ns: "" } })) tuples.push(t);
    return new ThreadReader(saver, threadId, tuples, channelsOf(tuples[0]));
  }

  /** The newest checkpoint's tuple (undefined for a thread with none). */
  get latest(): CheckpointTuple | undefined {
    return this.newestFirst[0];
  }

  private own(config: RunnableConfig): boolean {
    const c = config.configurable ?? {};
    return c.thread_id === this.threadId && (c.checkpoint_ns ?? "") === "";
  }

  async getTuple(config: RunnableConfig): Promise<CheckpointTuple | undefined> {
    if (!this.own(config)) return this.inner.getTuple(config);
    const id = config.configurable?.checkpoint_id as string | undefined;
    return id ? this.byId.get(id) : this.newestFirst[0];
  }

  async *list(config: RunnableConfig, options?: CheckpointListOptions): AsyncGenerator<CheckpointTuple> {
    if (!this.own(config) || config.configurable?.checkpoint_id || options?.before || options?.filter || options?.limit) {
      yield* this.inner.list(config, options);
      return;
    }
    yield* this.newestFirst;
  }

  /** What LangGraph's ancestor walk would rebuild, already rebuilt: the value as the seed, no writes left. */
  override async getDeltaChannelHistory(options: { config: RunnableConfig; channels: string[] }): Promise<Record<string, DeltaChannelHistory>> {
    const tuple = this.own(options.config) ? await this.getTuple(options.config) : undefined;
    if (!tuple) return super.getDeltaChannelHistory(options);
    const out: Record<string, DeltaChannelHistory> = {};
    for (const ch of options.channels) out[ch] = { seed: this.valueAt(tuple, ch), writes: [] };
    return out;
  }

  private parentOf(tuple: CheckpointTuple): CheckpointTuple | undefined {
    const id = tuple.parentConfig?.configurable?.checkpoint_id as string | undefined;
    return id ? this.byId.get(id) : undefined;
  }

  /** The channel's value at `tuple`: its stored value, or its parent's with the parent's writes applied. */
  private valueAt(tuple: CheckpointTuple, ch: string): unknown {
    // Up to the nearest checkpoint whose value is known (iteratively: a thread has thousands).
    const chain: CheckpointTuple[] = [];
    let at: CheckpointTuple | undefined = tuple;
    let known: unknown;
    while (at) {
      const key = keyOf(at, ch);
      if (this.values.has(key)) {
        known = this.values.get(key);
        break;
      }
      chain.push(at);
      if (Object.prototype.hasOwnProperty.call(at.checkpoint.channel_values, ch)) break;
      at = this.parentOf(at);
    }
    // Then forward, as LangGraph would rebuild each: a stored value as is, else the parent's value
    // (`known`, from the step before) with the parent's writes; no parent: the channel's empty value.
    for (let i = chain.length - 1; i >= 0; i--) {
      const t = chain[i]!;
      const parent = this.parentOf(t);
      if (Object.prototype.hasOwnProperty.call(t.checkpoint.channel_values, ch)) known = this.rebuild(ch, t.checkpoint.channel_values[ch], []);
      else known = parent ? this.rebuild(ch, known, writesOf(parent, ch)) : this.rebuild(ch, undefined, []);
      this.values.set(keyOf(t, ch), known);
    }
    return known;
  }

  private rebuild(ch: string, seed: unknown, writes: ReturnType<typeof writesOf>): unknown {
    const spec = this.channels[ch] as ChannelSpec | undefined;
    if (!spec) throw new CodeActError("internal", `The thread has a channel "${ch}" its graph does not know.`);
    const channel = spec.fromCheckpoint(seed);
    if (channel.lc_graph_name === "DeltaChannel" && channel.replayWrites) channel.replayWrites(writes);
    else for (const [, , value] of writes) channel.update([value]);
    return channel.isAvailable() ? channel.get() : undefined;
  }

  async put(): Promise<RunnableConfig> {
    throw READ_ONLY();
  }

  async putWrites(): Promise<void> {
    throw READ_ONLY();
  }

  async deleteThread(): Promise<void> {
    throw READ_ONLY();
  }
}

const keyOf = (t: CheckpointTuple, ch: string) => `${String(t.config.configurable?.checkpoint_id)}\0${ch}`;
const writesOf = (t: CheckpointTuple, ch: string) => (t.pendingWrites ?? []).filter((w) => w[1] === ch);
