/**
 * The embedded server's ThreadSaver over codeact's own store: a thread is what the CLI lists
 * (checkpoints, run records and locks), so `codeact threads` and an SDK client see the same ones
 * with the same status. A thread created through the API has no checkpoint until its first run;
 * until then it exists in this process only, as do metadata keys a client sets (codeact's store has
 * no place for them): the metadata every thread gets is derived from the store.
 */
import type { Checkpointer } from "../../checkpoints/savers";
import { runFactsOf } from "../../checkpoints/run-facts";
import { summarise } from "../../checkpoints/sqlite-file";
import { type ThreadStatus, type ThreadSummary, waitingOf } from "../../checkpoints/thread-status";
import { threadGraph } from "../../graphs/codeact";
import { listStoreThreads } from "../../graphs/threads";
import { CodeActError } from "../../errors";
import { type ThreadIds } from "./ids";

/** The graph (assistant) id every thread runs: the server has one graph. */
export const GRAPH_ID = "codeact";

type Metadata = Record<string, unknown>;

/** The shape `@langchain/langgraph-sdk` reads as a Thread. */
export interface ApiThread {
  thread_id: string;
  created_at: string;
  updated_at: string;
  metadata: Metadata;
  status: "idle" | "busy" | "interrupted" | "error";
}

/** codeact's status in LangGraph's four words; the exact one is in metadata.codeact_status. */
const API_STATUS: Record<ThreadStatus, ApiThread["status"]> = { running: "busy", waiting: "interrupted", paused: "idle", done: "idle", crashed: "error", failed: "error" };

/** Keys the server sets itself: a client cannot overwrite them. */
const OWN_KEYS = new Set(["graph_id", "assistant_id", "codeact_thread_id", "codeact_status", "codeact_detail", "task", "turns", "cells", "waiting"]);

export class StoreThreads {
  /** Created through the API and not run yet, with their creation time. */
  private readonly fresh = new Map<string, string>();
  /** Metadata clients set, per codeact id (this process only). */
  private readonly extra = new Map<string, Metadata>();

  constructor(
    private readonly store: Checkpointer,
    private readonly ids: ThreadIds,
  ) {}

  /** The summary `codeact threads` shows for one thread, or undefined when it has no checkpoint. */
  async summary(id: string): Promise<ThreadSummary | undefined> {
    const tuple = await this.store.saver.getTuple({ configurable: { thread_id: id, checkpoint_ns: "" } });
    if (!tuple) return undefined;
    const snap = await threadGraph(this.store.saver).getState({ configurable: { thread_id: id } });
    const interrupts = snap.tasks.flatMap((t) => t.interrupts);
    const facts = await runFactsOf(this.store, [id]);
    const cells = (snap.values as { cells?: unknown[] }).cells?.length ?? 0;
    return summarise(id, tuple.checkpoint.channel_values as Record<string, unknown>, {
      cells,
      steps: Number(tuple.metadata?.step ?? 0),
      updated: tuple.checkpoint.ts,
      source: tuple.metadata?.source,
      waiting: interrupts.length ? waitingOf(interrupts) : undefined,
      holder: facts.holders.get(id),
      record: facts.records.get(id),
    });
  }

  private thread(id: string, s: ThreadSummary | undefined): ApiThread {
    const now = this.fresh.get(id) ?? new Date().toISOString();
    const own: Metadata = { graph_id: GRAPH_ID, assistant_id: GRAPH_ID, codeact_thread_id: id };
    if (s) Object.assign(own, { codeact_status: s.status, codeact_detail: s.detail, task: s.task, turns: s.turns, cells: s.cells, ...(s.waiting ? { waiting: s.waiting.kind } : {}) });
    return {
      thread_id: this.ids.remember(id),
      created_at: s ? (this.fresh.get(id) ?? s.updated) : now,
      updated_at: s?.updated ?? now,
      metadata: { ...this.extra.get(id), ...own },
      status: s ? API_STATUS[s.status] : "idle",
    };
  }

  async get(apiId: string): Promise<ApiThread> {
    const id = await this.ids.codeactIdOf(apiId);
    const s = await this.summary(id);
    if (!s && !this.fresh.has(id)) throw new CodeActError("not_found", `No thread ${apiId} in this store (codeact threads lists them).`);
    return this.thread(id, s);
  }

  async set(apiId: string, options: { kind: "put" | "patch"; metadata?: Metadata }): Promise<ApiThread> {
    const id = await this.ids.codeactIdOf(apiId);
    this.ids.remember(id);
    const s = await this.summary(id);
    if (!s && !this.fresh.has(id)) {
      if (options.kind === "patch") throw new CodeActError("not_found", `No thread ${apiId} in this store (codeact threads lists them).`);
      this.fresh.set(id, new Date().toISOString());
    }
    const given = Object.fromEntries(Object.entries(options.metadata ?? {}).filter(([k]) => !OWN_KEYS.has(k)));
    if (Object.keys(given).length) this.extra.set(id, { ...this.extra.get(id), ...given });
    return this.thread(id, s);
  }

  async delete(apiId: string): Promise<void> {
    throw new CodeActError("usage", `Threads are deleted with \`codeact rm ${apiId}\` (with their sub-agent threads, artifacts and plots), not through the LangGraph API.`);
  }

  async *search(options: { metadata?: Metadata; limit: number; offset: number; sortBy: "created_at" | "updated_at"; sortOrder: "asc" | "desc" }): AsyncGenerator<{ thread: ApiThread; total: number }> {
    const listed = await listStoreThreads(this.store);
    const seen = new Set(listed.map((s) => s.threadId));
    const all = [...listed.map((s) => this.thread(s.threadId, s)), ...[...this.fresh.keys()].filter((id) => !seen.has(id)).map((id) => this.thread(id, undefined))];
    const wanted = Object.entries(options.metadata ?? {});
    const matching = all.filter((t) => wanted.every(([k, v]) => JSON.stringify(t.metadata[k]) === JSON.stringify(v)));
    const key = options.sortBy;
    matching.sort((a, b) => (options.sortOrder === "asc" ? a[key].localeCompare(b[key]) : b[key].localeCompare(a[key])));
    for (const thread of matching.slice(options.offset, options.offset + options.limit)) yield { thread, total: matching.length };
  }

  /** A thread's first run wrote its checkpoints: it lives in the store now. */
  settled(id: string): void {
    this.fresh.delete(id);
  }

  has(id: string): boolean {
    return this.fresh.has(id);
  }
}
