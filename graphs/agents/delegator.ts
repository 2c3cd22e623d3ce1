/**
 * The host side of delegate()/delegate_all(): each child is a full CodeAct run on its own thread
 * `<parent>.<cell>.<index>` (its own kernel, conversation, settings record, status) in the parent's
 * store, built with createRuntime from its profile's settings. Children run at once, bounded by
 * the call and by the tree. A rerun of the delegating cell (at-least-once after a crash) finds
 * them by id: an ended child answers from its thread, a stopped one resumes from its checkpoints,
 * and its thread lock keeps any child from running twice at the same time.
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { z } from "zod";
import { CodeActError } from "../../errors";
import type { Checkpointer } from "../../checkpoints/savers";
import { lockThread } from "../../checkpoints/lock";
import { isValidThreadId } from "../../checkpoints/thread-id";
import { ToolBridge, type CellScope, type Delegator } from "../../tools/bridge";
import { createCodeActGraph, threadGraph } from "../codeact";
import { runCodeAct } from "../run";
import { createRuntime, type RuntimeSecrets } from "../runtime";
import type { AgentLimits, AgentProfile } from "../state/agents";
import type { CodeActEvent } from "../state/events";
import { limitsOf, type RunSettings } from "../state/settings";
import type { CodeActStateValue } from "../state/state";
import { type ChildReport, type Share, TreeBudget } from "./budget";
import { childRecord, childSettings } from "./child-settings";
import { withGeneral } from "./profiles";

/** What the Python side sends (tools/prelude.py); all of it is the model's code's, so checked. */
const SpecSchema = z.object({
  task: z.string().min(1).max(100_000),
  agent: z.string().max(100).optional(),
  inputs: z.array(z.object({ name: z.string().min(1).max(1_000), data: z.string() })).max(10_000).default([]),
  limits: z
    .object({ max_iterations: z.number().int().positive().max(10_000).optional(), token_budget: z.number().int().positive().optional(), wall_clock_s: z.number().positive().max(7 * 86_400).optional() })
    .strict()
    .optional(),
});
const RequestSchema = z.object({ specs: z.array(SpecSchema).min(1).max(100), max_parallel: z.number().int().positive().max(64).optional() });
type Spec = z.infer<typeof SpecSchema>;

/** Bytes of one child's output files sent back into the parent's kernel. */
const MAX_RETURNED_BYTES = 64 * 1024 * 1024;

/** What goes back to Python for one child. */
export interface ChildResult {
  thread: string;
  agent: string;
  status: string;
  answer: string | null;
  detail: string;
  tokens: number;
  modelCalls: number;
  files: { path: string; data: string }[];
}

/** Shared by every delegator of one tree in this process. */
export interface TreeContext {
  store: Checkpointer;
  budget: TreeBudget;
  secrets?: RuntimeSecrets;
  env?: NodeJS.ProcessEnv;
  /** Every child's events, tagged with its thread (a CLI could show them; the tests count them). */
  onEvent?: (thread: string, event: CodeActEvent) => void;
}

export class SubAgents implements Delegator {
  private readonly profiles: AgentProfile[];

  constructor(
    private readonly settings: RunSettings,
    private readonly tree: TreeContext,
    /** 0 for the root's delegator: its children are depth 1. */
    private readonly depth = 0,
  ) {
    this.profiles = withGeneral(settings.agents.profiles);
  }

  /** The root's delegator for a run with these settings, or undefined when sub-agents are off. */
  static forRun(settings: RunSettings, tree: Omit<TreeContext, "budget">): SubAgents | undefined {
    return settings.agents.enabled ? new SubAgents(settings, { ...tree, budget: new TreeBudget(settings.agents.limits) }) : undefined;
  }

  get budget(): TreeBudget {
    return this.tree.budget;
  }

  agents(): { name: string; description: string }[] {
    return this.profiles.map((p) => ({ name: p.name, description: p.description }));
  }

  async delegate(args: Record<string, unknown>, scope: CellScope): Promise<{ results: ChildResult[] }> {
    const parsed = RequestSchema.safeParse(args);
    if (!parsed.success) throw new CodeActError("tool", `delegate(): ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
    const { specs, max_parallel } = parsed.data;
    const { maxDepth } = this.tree.budget.limits;
    if (this.depth + 1 > maxDepth) {
      throw new CodeActError("tool", `delegate(): the depth limit of ${maxDepth} is reached (this agent is at depth ${this.depth}); do this work here instead`);
    }
    for (const s of specs) this.profileOf(s.agent);
    // Numbered through the cell, not per call: two delegate() calls in one cell get different children.
    const base = scope.delegated ?? 0;
    scope.delegated = base + specs.length;
    const ids = specs.map((_, i) => `${scope.threadId}.${scope.cellIndex}.${base + i}`);
    if (!ids.every(isValidThreadId)) throw new CodeActError("tool", `delegate(): a child's thread id would be longer than 128 characters (${ids[0]}); delegate from a shallower agent`);
    const bound = Math.min(max_parallel ?? specs.length, specs.length);
    const results: ChildResult[] = new Array(specs.length);
    let next = 0;
    let notStarted = specs.length;
    const worker = async () => {
      while (next < specs.length) {
        const i = next++;
        results[i] = await this.child(specs[i]!, ids[i]!, scope.threadId, () => notStarted--, scope.signal);
      }
    };
    await Promise.all(Array.from({ length: bound }, worker));
    return { results };
  }

  private profileOf(name: string | undefined): AgentProfile {
    const want = name ?? "general";
    const p = this.profiles.find((x) => x.name === want);
    if (!p) throw new CodeActError("tool", `delegate(): no agent named ${JSON.stringify(want.slice(0, 60))}; the agents are ${this.profiles.map((x) => x.name).join(", ")}`);
    return p;
  }

  private async child(spec: Spec, thread: string, parent: string, starting: () => number, signal: AbortSignal | undefined): Promise<ChildResult> {
    const profile = this.profileOf(spec.agent);
    const { store, budget } = this.tree;
    const report = (r: Omit<ChildResult, "files">, share: Share | undefined, reused?: boolean) => {
      const entry: ChildReport = { thread, agent: profile.name, depth: this.depth + 1, status: r.status, tokens: r.tokens, modelCalls: r.modelCalls, ...(reused ? { reused } : {}) };
      budget.settle(share, entry);
    };
    // Found ended (the delegating cell runs again after a crash): its thread answers, nothing reruns.
    const before = await threadGraph(store.saver).getState({ configurable: { thread_id: thread } });
    const values = before.values as Partial<CodeActStateValue> | undefined;
    const started = Boolean(values?.task);
    if (started && !before.next.length) {
      starting();
      const r = this.resultOf(thread, profile, values as CodeActStateValue);
      report(r, undefined, true);
      return { ...r, files: await this.filesOf(thread, values as CodeActStateValue) };
    }
    const release = await budget.slot(signal);
    let share: Share | undefined;
    try {
      const siblings = starting();
      const carved = budget.carve({ ...profile.limits, ...limitsOf3(spec) }, siblings);
      if ("exhausted" in carved) {
        const r = { thread, agent: profile.name, status: "budget", answer: null, detail: `not started: ${carved.exhausted}`, tokens: 0, modelCalls: 0 };
        report(r, undefined);
        return { ...r, files: [] };
      }
      share = carved;
      const settings = childSettings(this.settings, profile, carved.limits);
      const lock = await lockThread(store, thread);
      let state: CodeActStateValue | undefined;
      let stop: { state: "finished" | "paused" | "error"; detail?: string } = { state: "error", detail: "the sub-agent's run ended unexpectedly" };
      try {
        if (!started) await store.settings.append(thread, childRecord(settings), `delegated by ${parent}`);
        const runtime = await createRuntime(settings, { threadId: thread, secrets: this.tree.secrets, env: this.tree.env, signal });
        try {
          const tools = runtime.tools ?? new ToolBridge([]);
          tools.delegateWith(new SubAgents(settings, this.tree, this.depth + 1));
          const graph = createCodeActGraph({
            models: runtime.models,
            executor: runtime.executor,
            tools,
            limits: limitsOf(settings),
            checkpointer: store.saver,
            artifacts: store.artifacts,
            actionFormat: settings.actionFormat,
            askUser: false,
          });
          const task = profile.instructions ? `${profile.instructions}\n\nYour task:\n${spec.task}` : spec.task;
          const onEvent = this.tree.onEvent ? (e: CodeActEvent) => this.tree.onEvent!(thread, e) : undefined;
          const inputs = started ? undefined : spec.inputs.map((f) => ({ name: f.name, data: Buffer.from(f.data, "base64") }));
          // Outside the parent's LangChain context: run inside its executor node, the child would
          // otherwise become a subgraph of it (checkpoint namespace, callbacks) instead of its own thread.
          const storage = AsyncLocalStorageProviderSingleton.getInstance();
          state = await storage.run(undefined as never, () =>
            runCodeAct(graph, started ? null : task, { threadId: thread, signal, onEvent, ...(inputs?.length ? { inputs } : {}) }),
          );
          stop = { state: "finished" };
        } finally {
          await runtime.close();
        }
      } catch (err) {
        stop = signal?.aborted ? { state: "paused", detail: "the parent was paused" } : { state: "error", detail: (err as Error).message };
        throw err;
      } finally {
        await lock.recordStop(stop.state, stop.detail).catch(() => undefined);
        await lock.release().catch(() => undefined);
      }
      const r = this.resultOf(thread, profile, state);
      report(r, share);
      share = undefined;
      return { ...r, files: await this.filesOf(thread, state) };
    } catch (err) {
      if (share) report({ thread, agent: profile.name, status: "error", answer: null, detail: (err as Error).message, tokens: 0, modelCalls: 0 }, share);
      if (signal?.aborted) throw err;
      return { thread, agent: profile.name, status: "error", answer: null, detail: (err as Error).message.slice(0, 2_000), tokens: 0, modelCalls: 0, files: [] };
    } finally {
      release();
    }
  }

  private resultOf(thread: string, profile: AgentProfile, s: CodeActStateValue): Omit<ChildResult, "files"> {
    return { thread, agent: profile.name, status: s.status, answer: s.answer ?? null, detail: (s.statusDetail ?? "").slice(0, 2_000), tokens: s.tokens ?? 0, modelCalls: s.modelCalls ?? 0 };
  }

  /** The child's output files as they ended (the latest bytes of each path), from its artifact store. */
  private async filesOf(thread: string, s: CodeActStateValue): Promise<ChildResult["files"]> {
    const latest = new Map<string, string>();
    for (const cell of s.cells ?? []) for (const f of cell.files ?? []) latest.set(f.path, f.sha256);
    const out: ChildResult["files"] = [];
    let total = 0;
    for (const [path, sha] of latest) {
      const data = await this.tree.store.artifacts.get(thread, sha);
      if (!data) continue;
      total += data.length;
      if (total > MAX_RETURNED_BYTES) break;
      // "outputs/report.csv" → "report.csv" under the parent's /workspace/from/<thread>/
      out.push({ path: path.replace(/^outputs\//, ""), data: data.toString("base64") });
    }
    return out;
  }
}

/** A call's own limits (Python names, seconds) in the settings' terms. */
function limitsOf3(spec: Spec): AgentLimits {
  const l = spec.limits;
  if (!l) return {};
  return {
    ...(l.max_iterations ? { maxIterations: l.max_iterations } : {}),
    ...(l.token_budget ? { tokenBudget: l.token_budget } : {}),
    ...(l.wall_clock_s ? { wallClockMs: Math.round(l.wall_clock_s * 1000) } : {}),
  };
}

/**
 * The tools of a run with sub-agents: the runtime's bridge (or an empty one) with the root's
 * delegator attached; the runtime's own bridge unchanged when the settings leave sub-agents off.
 */
export function withSubAgents(settings: RunSettings, tools: ToolBridge | undefined, tree: Omit<TreeContext, "budget">): { tools: ToolBridge | undefined; subAgents?: SubAgents } {
  const subAgents = SubAgents.forRun(settings, tree);
  if (!subAgents) return { tools };
  return { tools: (tools ?? new ToolBridge([])).delegateWith(subAgents), subAgents };
}
