/**
 * A child's settings: its parent's, with its profile (model, tools, MCP, limits, sandbox) and the
 * share of the tree's budget it was given on top. Approval mode is the parent's unless the profile
 * says otherwise. Scripted runs give each child its profile's own script from the start.
 */
import { readFileSync } from "node:fs";
import { CodeActError } from "../../errors";
import type { ThreadSettings } from "../../checkpoints/thread-settings";
import { parseModelSpec } from "../../nodes/models/providers";
import type { AgentLimits, AgentProfile } from "../state/agents";
import { type RunSettings, RunSettingsSchema, type Script, ScriptSchema } from "../state/settings";

function scriptOf(settings: RunSettings): Script | undefined {
  const { script } = settings;
  if (script === null) return undefined;
  return typeof script === "string" ? ScriptSchema.parse(JSON.parse(readFileSync(script, "utf8"))) : script;
}

export function childSettings(parent: RunSettings, profile: AgentProfile, limits: AgentLimits): RunSettings {
  const script = scriptOf(parent);
  let childScript: Script | null = null;
  if (script) {
    const own = script.agents?.[profile.name];
    if (!own) {
      throw new CodeActError("usage", `The scripted run has no replies for agent "${profile.name}": add "agents": {"${profile.name}": {"planner": [...], "coder": [...], "critic": [...]}} to the script.`);
    }
    // The child's own replies, and the same per-agent scripts for its children.
    childScript = { ...own, agents: script.agents };
  }
  const budgets = { ...parent.budgets, ...profile.limits, ...limits };
  return RunSettingsSchema.parse({
    ...parent,
    models: profile.model ? { default: profile.model } : parent.models,
    script: childScript,
    executor: profile.sandbox ? { ...parent.executor, limits: { ...(parent.executor.limits ?? {}), ...profile.sandbox } } : parent.executor,
    budgets,
    approve: profile.approve ?? parent.approve,
    tools: { modules: profile.tools ?? parent.tools.modules, mcp: profile.mcp === undefined ? parent.tools.mcp : profile.mcp },
  });
}

/** The record a child's thread keeps (the shape `codeact threads`/`history` read); never a secret. */
export function childRecord(s: RunSettings): ThreadSettings {
  const { provider, name } = parseModelSpec(s.models.default || "gpt-4o-mini");
  return {
    model: { provider, name, baseUrl: s.endpoint.baseUrl },
    modelTimeout: s.endpoint.timeoutMs === null ? null : s.endpoint.timeoutMs / 1000,
    executor: { kind: s.executor.kind, remoteUrl: s.executor.remoteUrl },
    limits: {
      maxIterations: s.budgets.maxIterations,
      maxDebugAttempts: s.budgets.maxDebugAttempts,
      cellTimeoutMs: s.budgets.cellTimeoutMs,
      wallClockMs: s.budgets.wallClockMs,
      tokenBudget: s.budgets.tokenBudget,
      approve: s.approve,
      critic: s.behaviour.critic,
      context: s.behaviour.context,
      contextTokens: s.budgets.contextTokens,
      vision: s.behaviour.vision ?? null,
    },
    actionFormat: s.actionFormat,
    scripted: null,
    out: null,
    tools: s.tools.modules,
    mcp: s.tools.mcp,
    agents: s.agents,
  };
}
