/**
 * A thread's settings: what its runs were started with (model, endpoint, executor, limits, approval
 * mode, tool sources), kept in the checkpoint database so `resume`, follow-ups and `branch` go on
 * with them. Append-only: every record keeps when and why it was written ("run", "resume --model x",
 * "branch from t@c"), so an override is never silent. Never an API key or token: secrets stay in
 * the environment or on the command line of each run.
 */
import { z } from "zod";
import { LimitsSchema, splitLimits } from "../graphs/state/limits";
import { ActionFormatSchema, ExecutorKindSchema, type RunSettings, RunSettingsSchema } from "../graphs/state/settings";
import { urlWithoutSecrets } from "../errors/redact";
import { AgentsSettingsSchema } from "../graphs/state/agents";
import { CodeActError } from "../errors";

export const ThreadSettingsSchema = z.object({
  model: z.object({
    /** "openai" for today's OpenAI-compatible client; another LangChain provider when the name said so. */
    provider: z.string().min(1).max(100),
    name: z.string().min(1).max(500),
    /** Without credentials (see urlWithoutSecrets). */
    baseUrl: z.string().max(2_000).nullable(),
  }),
  /** Seconds per model request attempt; null: the default ($CODEACT_MODEL_TIMEOUT or 120). */
  modelTimeout: z.number().positive().max(3_600).nullable(),
  executor: z.object({
    kind: ExecutorKindSchema,
    remoteUrl: z.string().max(2_000).nullable(),
  }),
  limits: LimitsSchema.pick({
    maxIterations: true,
    maxDebugAttempts: true,
    cellTimeoutMs: true,
    wallClockMs: true,
    tokenBudget: true,
    approve: true,
    critic: true,
    context: true,
    contextTokens: true,
  }).extend({ vision: z.boolean().nullable().default(null) }),
  actionFormat: ActionFormatSchema.default("code"),
  /** A recorded trajectory replayed instead of a model (absolute path). */
  scripted: z.string().max(4_096).nullable().default(null),
  /** Where plots are saved (absolute path); null: $CODEACT_HOME/runs/<thread>. */
  out: z.string().max(4_096).nullable().default(null),
  /** Tool modules (as given to --tools) and the MCP config (--mcp). */
  tools: z.array(z.string().max(4_096)).max(100).default([]),
  mcp: z.string().max(4_096).nullable().default(null),
  /** Sub-agent profiles and the tree's limits (--agents); records from before them have none. */
  agents: AgentsSettingsSchema.prefault({}),
});
export type ThreadSettings = z.output<typeof ThreadSettingsSchema>;

/** The record's converter: what a thread recorded, as the settings of its next run (seconds become ms here). */
export function runSettingsFromRecord(s: ThreadSettings): RunSettings {
  return RunSettingsSchema.parse({
    models: { default: s.model.provider === "openai" ? s.model.name : `${s.model.provider}:${s.model.name}` },
    script: s.scripted,
    endpoint: { baseUrl: s.model.baseUrl, timeoutMs: s.modelTimeout === null ? null : s.modelTimeout * 1000 },
    executor: s.executor,
    ...splitLimits({ ...s.limits, vision: s.limits.vision ?? undefined }),
    tools: { modules: s.tools, mcp: s.mcp },
    actionFormat: s.actionFormat,
    agents: s.agents,
  });
}

export interface ThreadSettingsRecord {
  threadId: string;
  /** ISO time the record was written. */
  at: string;
  /** Why: "run", "resume --model x", "branch from t@c", "--no-approve". */
  reason: string;
  settings: ThreadSettings;
}

export interface ThreadSettingsStore {
  readonly kind: "sqlite" | "postgres" | "memory";
  /** Adds a record (never replaces one). */
  append(threadId: string, settings: ThreadSettings, reason: string): Promise<ThreadSettingsRecord>;
  /** The settings in force: the newest record, or undefined for a thread that has none. */
  latest(threadId: string): Promise<ThreadSettingsRecord | undefined>;
  /** Every record of the thread, oldest first. */
  history(threadId: string): Promise<ThreadSettingsRecord[]>;
  /** Deletes every record of the thread (`codeact rm`); returns how many. */
  deleteThread(threadId: string): Promise<number>;
  close(): Promise<void>;
}

/** Kept here for callers of this module; the rule lives in errors/redact.ts. */
export { urlWithoutSecrets };

/** The settings as they are written: checked, and stripped of any credential in their URLs. */
export function storable(settings: ThreadSettings): ThreadSettings {
  const s = ThreadSettingsSchema.parse(settings);
  const strip = (u: string | null) => (u === null ? null : urlWithoutSecrets(u));
  return { ...s, model: { ...s.model, baseUrl: strip(s.model.baseUrl) }, executor: { ...s.executor, remoteUrl: strip(s.executor.remoteUrl) } };
}

/** A stored record checked again on the way out: the database is shared and may hold anything. */
export function readRecord(threadId: string, at: string, reason: string, json: string): ThreadSettingsRecord {
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch {
    parsed = undefined;
  }
  const settings = ThreadSettingsSchema.safeParse(parsed);
  if (!settings.success) {
    throw new CodeActError("store", `The settings recorded for thread "${threadId}" at ${at} cannot be read (written by another version, or damaged).`, {
      hint: "Start a new thread, or branch this one (its checkpoints still read).",
    });
  }
  return { threadId, at, reason: reason.slice(0, 2_000), settings: settings.data };
}

/** For a MemorySaver: the records live exactly as long as its checkpoints. */
/** A branch starts with the settings its source thread runs with; false when that thread has none. */
export async function copyThreadSettings(store: ThreadSettingsStore, fromThreadId: string, toThreadId: string, reason: string): Promise<boolean> {
  const from = await store.latest(fromThreadId);
  if (!from) return false;
  await store.append(toThreadId, from.settings, reason);
  return true;
}

export class MemoryThreadSettingsStore implements ThreadSettingsStore {
  readonly kind = "memory" as const;
  private readonly records = new Map<string, ThreadSettingsRecord[]>();

  async append(threadId: string, settings: ThreadSettings, reason: string): Promise<ThreadSettingsRecord> {
    const record = { threadId, at: new Date().toISOString(), reason, settings: storable(settings) };
    this.records.set(threadId, [...(this.records.get(threadId) ?? []), structuredClone(record)]);
    return record;
  }

  async latest(threadId: string): Promise<ThreadSettingsRecord | undefined> {
    const r = this.records.get(threadId)?.at(-1);
    return r && structuredClone(r);
  }

  async history(threadId: string): Promise<ThreadSettingsRecord[]> {
    return structuredClone(this.records.get(threadId) ?? []);
  }

  async deleteThread(threadId: string): Promise<number> {
    const n = this.records.get(threadId)?.length ?? 0;
    this.records.delete(threadId);
    return n;
  }

  async close(): Promise<void> {}
}

/** Settings as "path: value" pairs ("limits.maxIterations": 30), for showing and comparing records. */
export function flattenSettings(settings: ThreadSettings): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (value: unknown, path: string) => {
    if (value && typeof value === "object" && !Array.isArray(value)) for (const [k, v] of Object.entries(value)) walk(v, path ? `${path}.${k}` : k);
    else if (Array.isArray(value)) out[path] = value.map((v) => (v && typeof v === "object" ? String((v as { name?: unknown }).name ?? JSON.stringify(v)) : String(v))).join(", ") || "(none)";
    else out[path] = value === null ? "(default)" : String(value);
  };
  walk(settings, "");
  return out;
}

/** What each record changed against the one before it (the first record: everything). */
export function settingsChanges(records: ThreadSettingsRecord[]): { at: string; reason: string; changes: [string, string | undefined, string][] }[] {
  let before: Record<string, string> = {};
  return records.map((r, i) => {
    const now = flattenSettings(r.settings);
    const changes = Object.entries(now).filter(([k, v]) => i === 0 || before[k] !== v).map(([k, v]): [string, string | undefined, string] => [k, i === 0 ? undefined : before[k], v]);
    before = now;
    return { at: r.at, reason: r.reason, changes };
  });
}
