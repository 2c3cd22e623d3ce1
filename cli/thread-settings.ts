/**
 * How `run`, `resume` and follow-ups get their settings: what the thread recorded, with each flag the
 * user typed this time on top (a commander default such as `--executor auto` is not typed). The
 * result is recorded again when it differs, with the flags that changed it, so an override is kept.
 * Approval mode is sticky: only a typed `--no-approve` leaves it.
 */
import type { Command } from "commander";
import type { Checkpointer } from "../checkpoints/savers";
import { checkThreadId } from "../checkpoints/thread-id";
import { runSettingsFromRecord, type ThreadSettings, ThreadSettingsSchema, urlWithoutSecrets } from "../checkpoints/thread-settings";
import { parseModelSpec } from "../nodes/models/providers";
import { type RunFlags, UsageError, zodIssuesText } from "./flags";
import { absolute, runSettingsFromFlags } from "./run-settings";

/** The run flags a thread records (tool sources included). */
export type SettingsFlags = RunFlags;

/** The RunFlags keys that are thread settings (store, output and secrets are not). */
export const SETTING_FLAGS = [
  "model", "baseUrl", "modelTimeout", "executor", "remoteUrl", "maxIterations", "maxDebug", "cellTimeout", "wallClock", "tokenBudget",
  "approve", "critic", "context", "contextTokens", "vision", "actionFormat", "scripted", "out", "tools", "mcp", "agents",
] as const satisfies readonly (keyof SettingsFlags)[];
type SettingFlag = (typeof SETTING_FLAGS)[number];

/** A `provider:name` model's provider and name (the providers LangChain's universal chat model knows); anything else is a name for the OpenAI-compatible client. */
export function modelIdentity(spec: string): { provider: string; name: string } {
  const { provider, name } = parseModelSpec(spec);
  return { provider, name };
}

/** The options the user typed on this command line (commander defaults excluded). */
export function typedFlags(cmd: Command): Set<string> {
  const keys = cmd.options.map((o) => o.attributeName());
  return new Set(keys.filter((k) => ["cli", "env"].includes(cmd.getOptionValueSource(k) ?? "")));
}

/**
 * The record the flags (with the environment's defaults) stand for: their RunSettings, kept in the
 * record's own shape (seconds, provider and name apart), with --out. Never a key or token.
 */
export function settingsFromFlags(f: SettingsFlags, env: NodeJS.ProcessEnv = process.env): ThreadSettings {
  const s = runSettingsFromFlags(f, env);
  // An empty name from the environment is the model client's to refuse (with its own message).
  const parsed = ThreadSettingsSchema.safeParse({
    model: { ...modelIdentity(s.models.default || "gpt-4o-mini"), baseUrl: s.endpoint.baseUrl },
    modelTimeout: s.endpoint.timeoutMs === null ? null : s.endpoint.timeoutMs / 1000,
    executor: { kind: s.executor.kind, remoteUrl: s.executor.remoteUrl },
    limits: { ...s.budgets, ...s.behaviour, vision: s.behaviour.vision ?? null, approve: s.approve },
    actionFormat: s.actionFormat,
    scripted: typeof s.script === "string" ? s.script : null,
    out: f.out ? absolute(f.out) : null,
    tools: s.tools.modules,
    mcp: s.tools.mcp,
    agents: s.agents,
  });
  if (!parsed.success) throw new UsageError(`These settings cannot be kept with the thread: ${zodIssuesText(parsed.error)}`);
  return parsed.data;
}

/** The flags that reproduce recorded settings (read through the record's one converter, runSettingsFromRecord). */
export function flagsFromSettings(record: ThreadSettings): Pick<SettingsFlags, SettingFlag> {
  const s = runSettingsFromRecord(record);
  const u = <T>(v: T | null) => (v === null ? undefined : v);
  return {
    model: s.models.default,
    baseUrl: u(s.endpoint.baseUrl),
    modelTimeout: s.endpoint.timeoutMs === null ? undefined : s.endpoint.timeoutMs / 1000,
    executor: s.executor.kind,
    remoteUrl: u(s.executor.remoteUrl),
    maxIterations: s.budgets.maxIterations,
    maxDebug: s.budgets.maxDebugAttempts,
    cellTimeout: s.budgets.cellTimeoutMs / 1000,
    wallClock: s.budgets.wallClockMs === undefined ? undefined : s.budgets.wallClockMs / 1000,
    tokenBudget: s.budgets.tokenBudget,
    approve: s.approve,
    critic: s.behaviour.critic,
    context: s.behaviour.context,
    contextTokens: s.budgets.contextTokens,
    vision: s.behaviour.vision,
    actionFormat: s.actionFormat,
    scripted: typeof s.script === "string" ? s.script : undefined,
    out: u(record.out),
    tools: s.tools.modules,
    mcp: u(s.tools.mcp),
    agents: u(s.agents.folder),
  };
}

const FLAG_NAMES: Record<SettingFlag, string> = {
  model: "--model", baseUrl: "--base-url", modelTimeout: "--model-timeout", executor: "--executor", remoteUrl: "--remote-url",
  maxIterations: "--max-iterations", maxDebug: "--max-debug", cellTimeout: "--cell-timeout", wallClock: "--wall-clock", tokenBudget: "--token-budget",
  approve: "--approve", critic: "--critic", context: "--context", contextTokens: "--context-tokens", vision: "--vision",
  actionFormat: "--action-format", scripted: "--scripted", out: "--out", tools: "--tools", mcp: "--mcp", agents: "--agents",
};

/** The typed setting flags as a command line fragment (URLs without credentials). */
function describe(f: SettingsFlags, keys: SettingFlag[]): string {
  return keys
    .map((k) => {
      const v = f[k];
      if (typeof v === "boolean") return v ? FLAG_NAMES[k] : FLAG_NAMES[k].replace("--", "--no-");
      const text = Array.isArray(v) ? v.join(",") : k === "baseUrl" || k === "remoteUrl" ? urlWithoutSecrets(String(v)) : String(v);
      return `${FLAG_NAMES[k]} ${text}`;
    })
    .join(" ");
}

export interface ResolvedSettings {
  /** The flags to run with. */
  flags: SettingsFlags;
  /** What to record. */
  settings: ThreadSettings;
  /** Why, when it must be recorded (first run, or something changed); undefined: nothing new. */
  reason?: string;
  /**
   * The recorded settings this command goes on with, untyped, as flags (tool sources included), so
   * the person sees what a resume loads and runs: e.g. "--model m --tools /x/t.ts --approve".
   */
  reused?: string;
}

/**
 * The one rule for every command that continues or starts a thread: recorded settings, then the
 * flags typed this time (`given`; undefined: every defined flag counts as typed, for callers
 * without a command line). `pendingApproval`: the thread waits on an approval (a thread recorded
 * before settings existed still never runs that action unapproved).
 */
export function resolveThreadSettings(
  flags: SettingsFlags,
  recorded: ThreadSettings | undefined,
  options: { given?: ReadonlySet<string>; pendingApproval?: boolean; command?: string } = {},
): ResolvedSettings {
  const typed = SETTING_FLAGS.filter((k) => (options.given ? options.given.has(k) : flags[k] !== undefined));
  const merged: SettingsFlags = { ...flags };
  let reusedKeys: SettingFlag[] = [];
  if (recorded) {
    const from = flagsFromSettings(recorded);
    for (const k of SETTING_FLAGS) if (!typed.includes(k)) (merged as unknown as Record<string, unknown>)[k] = from[k];
    // A model typed now replaces a recorded script: the two are one choice (what answers the run).
    if ((typed.includes("model") || typed.includes("baseUrl")) && !typed.includes("scripted")) merged.scripted = undefined;
    const shown = (v: unknown) => v !== undefined && v !== null && v !== false && !(Array.isArray(v) && !v.length);
    reusedKeys = SETTING_FLAGS.filter((k) => !typed.includes(k) && shown((merged as unknown as Record<string, unknown>)[k]));
  }
  const heldForApproval = Boolean(options.pendingApproval && !typed.includes("approve") && !merged.approve);
  if (heldForApproval) merged.approve = true;
  // The record keeps the endpoint without credentials; the environment's own URL, when it is that
  // endpoint, still carries them.
  const envUrl = process.env.OPENAI_BASE_URL;
  if (envUrl && merged.baseUrl && !typed.includes("baseUrl") && urlWithoutSecrets(envUrl) === merged.baseUrl) merged.baseUrl = envUrl;
  const settings = settingsFromFlags(merged);
  const reused = reusedKeys.length ? describe(merged, reusedKeys) : undefined;
  const command = options.command ?? "run";
  const typedText = [describe(merged, typed), heldForApproval ? "(approval mode: an action was waiting for approval)" : ""].filter(Boolean).join(" ");
  if (!recorded) return { flags: merged, settings, reason: [command, typedText].filter(Boolean).join(" ") };
  if (JSON.stringify(settings) === JSON.stringify(ThreadSettingsSchema.parse(recorded))) return { flags: merged, settings, reused };
  // Something differs without a typed flag (an environment default the record left open): say so.
  return { flags: merged, settings, reused, reason: [command, typedText || "(defaults from the environment)"].join(" ") };
}

/** True when the thread's latest checkpoint waits on an approval decision. */
async function waitsForApproval(store: Checkpointer, threadId: string): Promise<boolean> {
  const { threadGraph } = require("../graphs/codeact") as typeof import("../graphs/codeact");
  const snap = await threadGraph(store.saver).getState({ configurable: { thread_id: threadId } });
  return snap.tasks.some((t) => t.interrupts.some((i) => (i.value as { kind?: string } | undefined)?.kind === "approve_code"));
}

/**
 * Reads the thread's settings and resolves this command's flags against them. The returned `record`
 * writes the result once the session holds the thread's lock (a command that cannot take the thread
 * records nothing).
 */
export async function threadSettingsFor(
  flags: SettingsFlags,
  threadId: string,
  options: { given?: ReadonlySet<string>; command: string },
): Promise<ResolvedSettings & { record: (store: Checkpointer) => Promise<void> }> {
  checkThreadId(threadId); // before any store query
  let recorded: ThreadSettings | undefined;
  let pendingApproval = false;
  const { checkpointerFromFlags } = require("./store-flags") as typeof import("./store-flags");
  const config = checkpointerFromFlags(flags);
  if (config.kind !== "memory") {
    const { createCheckpointer } = require("../checkpoints/savers") as typeof import("../checkpoints/savers");
    const store = await createCheckpointer({ ...config, readOnly: true });
    try {
      recorded = (await store.settings.latest(threadId))?.settings;
      // Only a thread recorded before settings existed can wait on an approval its record does not
      // show; reading its state walks its history, so recorded threads skip it.
      if (!recorded) pendingApproval = await waitsForApproval(store, threadId);
    } finally {
      await store.close();
    }
  }
  const resolved = resolveThreadSettings(flags, recorded, { ...options, pendingApproval });
  const record = async (store: Checkpointer) => {
    if (resolved.reason) await store.settings.append(threadId, resolved.settings, resolved.reason);
  };
  return { ...resolved, record };
}
