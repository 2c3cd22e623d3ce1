/**
 * What the embedded routes take for a graph: an object with getState, getStateHistory,
 * updateState and streamEvents. This one reads threads with codeact's thread graph (no runtime)
 * and runs them on the CodeAct graph that graphs/server.ts builds from the run's `configurable`
 * within the operator's policy (a kernel kept per thread), on the CLI's checkpointer and artifact
 * store. A run holds the thread's lock (checkpoints/lock.ts) as a CLI run does, so a thread is never
 * run by two processes at once, and records how it ended, so `codeact threads` tells the same status.
 *
 * On the way in: API ids become codeact ids, agent-chat-ui's `{ messages: [...] }` input becomes a
 * task, input files go to the artifact store, and a resume value is checked against what the thread
 * waits for (one line when it does not fit). On the way out: the ids go back, and values and
 * interrupts gain the fields agent-chat-ui reads (see ui.ts).
 */
import { Command, type LangGraphRunnableConfig, type StateSnapshot } from "@langchain/langgraph";
import { storeInputs } from "../../checkpoints/artifacts/inputs";
import { lockThread, type ThreadLock } from "../../checkpoints/lock";
import type { Checkpointer } from "../../checkpoints/savers";
import { threadGraph } from "../../graphs/codeact";
import { childRecord } from "../../graphs/agents/child-settings";
import type { ServerPolicy } from "../../graphs/server-policy";
import type { RunSettings } from "../../graphs/state/settings";
import { storable } from "../../checkpoints/thread-settings";
import { serverGraph } from "../../graphs/server";
import { CodeActError } from "../../errors";
import type { ThreadIds } from "./ids";
import { checkedResume, taskFromMessages, uiInterrupts, uiValues } from "./ui";
import { streamError } from "./errors";

export interface ApiGraphOptions {
  store: Checkpointer;
  policy: ServerPolicy;
  ids: ThreadIds;
}

type Config = { configurable?: Record<string, unknown> } & Record<string, unknown>;

export class ApiGraph {
  /** Set by the embedded server on every use; this graph always uses codeact's own store. */
  checkpointer: unknown;
  store: unknown;
  /** Threads this server is running now (a second run on one is refused). */
  readonly running = new Set<string>();

  constructor(private readonly opts: ApiGraphOptions) {}

  private reader() {
    return threadGraph(this.opts.store.saver);
  }

  /** The config with the codeact thread id in place of the API id. */
  private async inward<C extends Config | undefined>(config: C): Promise<C> {
    const apiId = config?.configurable?.thread_id;
    if (typeof apiId !== "string") return config;
    return { ...config, configurable: { ...config!.configurable, thread_id: await this.opts.ids.codeactIdOf(apiId) } } as C;
  }

  private outwardConfig(config: LangGraphRunnableConfig | undefined): LangGraphRunnableConfig | undefined {
    const id = config?.configurable?.thread_id;
    if (typeof id !== "string") return config;
    return { ...config, configurable: { ...config!.configurable, thread_id: this.opts.ids.remember(id) } };
  }

  private outward(s: StateSnapshot): StateSnapshot {
    return {
      ...s,
      values: uiValues(s.values as Record<string, unknown>),
      config: this.outwardConfig(s.config)!,
      parentConfig: this.outwardConfig(s.parentConfig),
      tasks: s.tasks.map((t) => ({ ...t, interrupts: uiInterrupts(t.interrupts) })),
    };
  }

  async getState(config: Config, options?: { subgraphs?: boolean }): Promise<StateSnapshot> {
    return this.outward(await this.reader().getState((await this.inward(config)) as LangGraphRunnableConfig, options));
  }

  async *getStateHistory(config: Config, options?: { limit?: number; before?: Config; filter?: Record<string, unknown> }): AsyncGenerator<StateSnapshot> {
    const before = options?.before && { ...options.before, configurable: { ...options.before.configurable, thread_id: undefined } };
    const inner = (await this.inward(config)) as LangGraphRunnableConfig;
    for await (const s of this.reader().getStateHistory(inner, { ...options, before: before as LangGraphRunnableConfig | undefined })) yield this.outward(s);
  }

  /** An edit of a thread's state, under its lock like a run (a branch's edit in the CLI is the same kind of write). */
  async updateState(config: Config, values: unknown, asNode?: string): Promise<LangGraphRunnableConfig> {
    const inner = (await this.inward(config)) as LangGraphRunnableConfig;
    const id = inner.configurable!.thread_id as string;
    const lock = await this.take(id);
    try {
      const out = await this.reader().updateState(inner, values as Record<string, unknown>, asNode);
      await lock.recordStop("finished").catch(() => undefined);
      return this.outwardConfig(out)!;
    } finally {
      await this.give(id, lock);
    }
  }

  private async take(id: string): Promise<ThreadLock> {
    if (this.running.has(id)) throw new CodeActError("conflict", `Thread ${id} already has a run on this server; wait for it to end (or cancel it) first.`);
    this.running.add(id);
    try {
      return await lockThread(this.opts.store, id);
    } catch (err) {
      this.running.delete(id);
      throw err;
    }
  }

  private async give(id: string, lock: ThreadLock): Promise<void> {
    await lock.release().catch(() => undefined);
    this.running.delete(id);
  }

  /** The embedded server's run: streamEvents of the CodeAct graph, v2 (runs/stream) or v3 (the protocol routes). */
  streamEvents(input: unknown, options: Config & { signal?: AbortSignal; recursionLimit?: number }): AsyncGenerator<unknown> {
    return this.run(input, options);
  }

  private async *run(input: unknown, options: Config & { signal?: AbortSignal; recursionLimit?: number }): AsyncGenerator<unknown> {
    let lock: ThreadLock | undefined;
    let id: string | undefined;
    let stop: Parameters<ThreadLock["recordStop"]> = ["error", "the run ended unexpectedly"];
    let kernel: { interrupt(): Promise<void> } | undefined;
    try {
      const inner = await this.inward(options);
      const threadId = inner.configurable!.thread_id as string;
      if (this.running.has(threadId)) await this.take(threadId); // refused at once, before any work
      const { store } = this.opts;
      // A request the policy refuses, or a resume that does not fit, is answered before the lock is
      // taken: it leaves no run record, so the thread keeps the status it had.
      const graph = await serverGraph({ ...inner.configurable, thread_id: threadId }, { policy: this.opts.policy, checkpointer: store.saver, artifacts: store.artifacts });
      const prepared = await this.prepare(threadId, input, graph.artifacts ? { store: graph.artifacts, threadId } : undefined);
      lock = await this.take(threadId);
      id = threadId;
      kernel = graph.executor;
      await this.recordSettings(threadId, graph.runSettings);
      const limit = Math.min(options.recursionLimit ?? graph.recursionLimit, graph.recursionLimit);
      // Each checkpoint on disk before the next step (as the CLI runs): a kill -9 loses no finished step.
      const events = await (graph.streamEvents as (i: unknown, o: unknown) => unknown)(prepared, { ...inner, recursionLimit: limit, durability: "sync" });
      for await (const event of events as AsyncIterable<unknown>) yield decorate(event, this.opts.ids);
      stop = ["finished"];
    } catch (err) {
      const left = options.signal?.aborted === true;
      stop = left ? ["paused", "the API client went away"] : ["error", (err as Error)?.message ?? String(err)];
      // The kernel outlives the run (kept per thread): a cell still running is stopped, as a CLI pause does.
      if (left) await kernel?.interrupt().catch(() => undefined);
      throw streamError(err);
    } finally {
      if (lock && id) {
        await lock.recordStop(...stop).catch(() => undefined);
        await this.give(id, lock);
      }
    }
  }

  /**
   * The thread's settings record (what `codeact threads`, `history` and a CLI `resume` read), written
   * when this run's settings differ from the latest one, as the CLI does. A caller's script is not a
   * file: the record names the operator's model instead, and a CLI resume of the thread uses it.
   */
  private async recordSettings(id: string, settings: RunSettings): Promise<void> {
    const record = childRecord(settings);
    const latest = await this.opts.store.settings.latest(id);
    if (latest && JSON.stringify(latest.settings) === JSON.stringify(storable(record))) return;
    await this.opts.store.settings.append(id, record, settings.script ? "LangGraph API run (scripted model)" : "LangGraph API run");
  }

  /** The input as the CodeAct graph takes it. */
  private async prepare(id: string, input: unknown, scope: Parameters<typeof storeInputs>[1]): Promise<unknown> {
    if (isCommandLike(input)) {
      if (input.resume === undefined) return input;
      const snap = await this.reader().getState({ configurable: { thread_id: id } });
      const waiting = snap.tasks.flatMap((t) => t.interrupts);
      return new Command({ resume: checkedResume(id, input.resume, waiting), update: input.update as never, goto: input.goto as never });
    }
    if (input === null || input === undefined) return input;
    if (typeof input !== "object" || Array.isArray(input)) throw new CodeActError("usage", 'The input is `{ "task": "…" }` (or agent-chat-ui\'s `{ "messages": [...] }`), optionally with `"inputs": [{ "name", "base64" }]`.');
    const given = input as { task?: unknown; messages?: unknown; inputs?: unknown };
    const task = given.task ?? (given.messages !== undefined ? taskFromMessages(given.messages) : undefined);
    if (typeof task !== "string" || !task.trim()) throw new CodeActError("usage", 'The input needs a task: `{ "task": "…" }`, or `{ "messages": [{ "type": "human", "content": "…" }] }`.');
    if (given.inputs === undefined || !scope) return { task, ...(given.inputs === undefined ? {} : { inputs: given.inputs }) };
    if (!Array.isArray(given.inputs)) throw new CodeActError("usage", 'inputs must be a list of `{ "name": "data.csv", "base64": "…" }`.');
    // Bytes go to the thread's artifact store (as the CLI keeps them), not inline in every checkpoint.
    const files = given.inputs.map((f: { name?: unknown; base64?: unknown }) => {
      if (typeof f?.name !== "string" || typeof f.base64 !== "string") throw new CodeActError("usage", 'Every input is `{ "name": "data.csv", "base64": "…" }`.');
      return { name: f.name, data: Buffer.from(f.base64, "base64") };
    });
    return { task, inputs: await storeInputs(files, scope) };
  }
}

function isCommandLike(x: unknown): x is { resume?: unknown; update?: unknown; goto?: unknown } {
  return typeof x === "object" && x !== null && (x as { lg_name?: unknown }).lg_name === "Command";
}

/** A streamed event with the API's ids and agent-chat-ui's fields (values and interrupts). */
function decorate(event: unknown, ids: ThreadIds): unknown {
  const e = event as { event?: string; data?: { chunk?: unknown } };
  if (e?.event !== "on_chain_stream" || !Array.isArray(e.data?.chunk)) return event;
  const chunk = e.data!.chunk as unknown[];
  const at = chunk.length === 3 ? 1 : 0;
  const mode = chunk[at];
  const payload = chunk[at + 1] as Record<string, unknown> | undefined;
  if (!payload || typeof payload !== "object") return event;
  let out: unknown = payload;
  if (mode === "values") out = uiValues(payload);
  else if (mode === "updates" && Array.isArray(payload.__interrupt__)) out = { ...payload, __interrupt__: uiInterrupts(payload.__interrupt__ as never) };
  else if (mode === "debug" || mode === "checkpoints") out = apiIds(payload, ids);
  if (out === payload) return event;
  const next = [...chunk];
  next[at + 1] = out;
  return { ...e, data: { ...e.data, chunk: next } };
}

/** thread_id fields anywhere in a debug payload, as API ids. */
function apiIds(value: unknown, ids: ThreadIds, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map((v) => apiIds(v, ids, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = k === "thread_id" && typeof v === "string" ? safeApiId(v, ids) : k === "values" ? v : apiIds(v, ids, depth + 1);
  return out;
}

function safeApiId(id: string, ids: ThreadIds): string {
  try {
    return ids.remember(id);
  } catch {
    return id;
  }
}
