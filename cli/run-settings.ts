/** The command line's converter: run, resume and chat flags (after the thread's record filled the untyped ones) as RunSettings. */
import { isAbsolute, resolve } from "node:path";
import { type RunSettings, RunSettingsSchema } from "../graphs/state/settings";
import { modelConfigFromEnv } from "../nodes/models/models";
import { loadProfiles } from "../graphs/agents/profiles";
import type { RunFlags } from "./flags";

/** The settings flags that --out, the store and the secrets are not. */
export type SettingFlagValues = Omit<RunFlags, "apiKey" | "remoteToken" | "thread" | "json" | "checkpoints" | "postgres" | "memory" | "input" | "answer" | "for">;

export const absolute = (p: string) => (isAbsolute(p) ? p : resolve(p));
/** A relative module path works from another directory only when made absolute; package names stay as they are. */
const toolSource = (t: string) => (t.startsWith("./") || t.startsWith("../") || t === "." ? resolve(t) : t);
const seconds = (s?: number) => (s === undefined ? undefined : s * 1000);
const defined = <T extends object>(o: T): Partial<T> => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The settings the flags stand for, the environment's defaults filled in (model, endpoint, timeout). Never a key or token. */
export function runSettingsFromFlags(f: SettingFlagValues, env: NodeJS.ProcessEnv = process.env): RunSettings {
  const m = modelConfigFromEnv(env, f.model);
  return RunSettingsSchema.parse({
    // An empty name (from the environment) is the model client's to refuse, with its own message.
    models: { default: m.model ?? "gpt-4o-mini" },
    script: f.scripted ? absolute(f.scripted) : null,
    endpoint: { baseUrl: f.baseUrl ?? m.baseUrl ?? null, timeoutMs: seconds(f.modelTimeout) ?? m.timeoutMs ?? null },
    executor: { kind: f.executor ?? "auto", remoteUrl: f.remoteUrl ?? null },
    budgets: defined({
      maxIterations: f.maxIterations,
      maxDebugAttempts: f.maxDebug,
      cellTimeoutMs: seconds(f.cellTimeout),
      wallClockMs: seconds(f.wallClock),
      tokenBudget: f.tokenBudget,
      contextTokens: f.contextTokens,
    }),
    behaviour: defined({ critic: f.critic, context: f.context, vision: f.vision }),
    approve: f.approve ?? false,
    // A comma list or repeated flags, however --tools is parsed.
    tools: { modules: (typeof f.tools === "string" ? (f.tools as string).split(",").filter(Boolean) : (f.tools ?? [])).map(toolSource), mcp: f.mcp ? absolute(f.mcp) : null },
    actionFormat: f.actionFormat ?? "code",
    // Profiles are read (and checked, naming file and field) when the flag is read: a bad one stops the command first.
    agents: f.agents ? { enabled: true, folder: absolute(f.agents), profiles: loadProfiles(absolute(f.agents)) } : {},
  });
}
