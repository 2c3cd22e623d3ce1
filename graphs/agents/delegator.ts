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
import { type CellScope, DelegationPending, type Delegator, ToolBridge } from "../../tools/bridge";
import { createCodeActGraph, threadGraph } from "../codeact";
import { runCodeAct, type RunResult } from "../run";
import { createRuntime, type RuntimeSecrets } from "../runtime";
import type { AgentLimits, AgentProfile } from "../state/agents";
import type { RoleModels } from "../../nodes/models/models";
import type { CodeActEvent } from "../state/events";
import { limitsOf, type RunSettings } from "../state/settings";
import { type Approval, type ApprovalRequest, ApprovalSchema, type CodeActStateValue } from "../state/state";
import { AnswerSchema, isQuestionRequest, type QuestionRequest } from "../state/question";
import { type ChildrenAnswers, isChildrenWaiting, type WaitingChild } from "../state/waiting";
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
  onEvent?: (thread: string, event: CodeActEvent, agent: string) => void;
  /**
   * A person at hand (a terminal): a child's question or approval is asked at once, naming the
   * child, one at a time however many children ask together; the parent's cell waits meanwhile.
   * Without them a child that waits makes its parent's run wait (an interrupt listing it).
   */
  people?: TreePeople;
  /**
   * Each child's models, kept for this process: a child resumed here (after waiting for a person)
   * goes on with the same clients, and a scripted child with the replies it has not used yet.
   */
  models?: Map<string, RoleModels>;
}

/** Who asks: a child of the tree. */
export interface Asker {
  thread: string;
  agent: string;
  depth: number;
}

export interface TreePeople {
  ask?: (who: Asker, question: QuestionRequest) => Promise<string>;
  approve?: (who: Asker, request: ApprovalRequest) => Promise<Approval>;
}

/** One person, several children asking at once: their prompts go one after another, never interleaved. */
function oneAtATime(people: TreePeople): TreePeople {
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <A extends unknown[], T>(f: (...a: A) => Promise<T>) => (...a: A): Promise<T> => {
    const turn = queue.then(() => f(...a));
    queue = turn.catch(() => undefined);
    return turn;
  };
  return { ...(people.ask ? { ask: serial(people.ask) } : {}), ...(people.approve ? { approve: serial(people.approve) } : {}) };
}

/** A child's ending: its result, or the descendants (itself or below) that wait for a person. */
type Outcome = { result: ChildResult } | { waiting: WaitingChild[] };

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
    if (!settings.agents.enabled) return undefined;
    return new SubAgents(settings, { ...tree, ...(tree.people ? { people: oneAtATime(tree.people) } : {}), models: tree.models ?? new Map(), budget: new TreeBudget(settings.agents.limits) });
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
    const outcomes: Outcome[] = new Array(specs.length);
    let next = 0;
    let notStarted = specs.length;
    const worker = async () => {
      while (next < specs.length) {
        const i = next++;
        outcomes[i] = await this.child(specs[i]!, ids[i]!, scope, () => notStarted--);
      }
    };
    await Promise.all(Array.from({ length: bound }, worker));
    const waiting = outcomes.flatMap((o) => ("waiting" in o ? o.waiting : []));
    if (waiting.length) {
      // The others have ended (their threads answer the rerun); these wait: so does this cell.
      const stop = scope.people?.waitForChildren(waiting);
      if (stop) throw new DelegationPending(stop);
    }
    const results = outcomes.map((o, i) =>
      "result" in o ? o.result : { thread: ids[i]!, agent: this.profileOf(specs[i]!.agent).name, status: "waiting", answer: null, detail: "it waits for a person, and this run cannot wait (no checkpointer)", tokens: 0, modelCalls: 0, files: [] },
    );
    return { results };
  }

  /**
   * What resumes a child waiting at `pending` (its thread's interrupt), from the answers this cell
   * was given: the answer or decision for its own question, or the ones for its waiting descendants.
   */
  private answerFor(thread: string, pending: { id?: string; value: unknown }, scope: CellScope): unknown {
    const given = scope.people?.childAnswers();
    if (!given) return undefined;
    const { byInterrupt, byThread } = given;
    const pick = (id: string | undefined, t: string) => (id !== undefined && byInterrupt.has(id) ? byInterrupt.get(id) : byThread.get(t));
    if (isChildrenWaiting(pending.value)) {
      const children: ChildrenAnswers["children"] = {};
      for (const c of pending.value.children) {
        const a = pick(c.interruptId, c.thread);
        if (a !== undefined) children[c.interruptId] = a;
      }
      return Object.keys(children).length ? { children } : undefined;
    }
    const a = pick(pending.id, thread);
    if (a === undefined) return undefined;
    // Checked here: a malformed answer leaves the child waiting rather than failing its node.
    const ok = isQuestionRequest(pending.value) ? AnswerSchema.safeParse(a).success : ApprovalSchema.safeParse(a).success;
    return ok ? a : undefined;
  }

  /** What a child found waiting (or left waiting by its run) waits for, from its thread. */
  private async waitingOf(thread: string, agent: string): Promise<WaitingChild[]> {
    const snapshot = await threadGraph(this.tree.store.saver).getState({ configurable: { thread_id: thread } });
    const pending = (snapshot.tasks ?? []).flatMap((t) => t.interrupts ?? []) as { id?: string; value: unknown }[];
    return pending.flatMap((p): WaitingChild[] => {
      if (isChildrenWaiting(p.value)) return p.value.children;
      const request = p.value as WaitingChild["request"];
      return [{ thread, agent, interruptId: p.id ?? "", request }];
    });
  }

  private profileOf(name: string | undefined): AgentProfile {
    const want = name ?? "general";
    const p = this.profiles.find((x) => x.name === want);
    if (!p) throw new CodeActError("tool", `delegate(): no agent named ${JSON.stringify(want.slice(0, 60))}; the agents are ${this.profiles.map((x) => x.name).join(", ")}`);
    return p;
  }

  private async child(spec: Spec, thread: string, scope: CellScope, starting: () => number): Promise<Outcome> {
    const { signal, threadId: parent } = scope;
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
      return { result: { ...r, files: await this.filesOf(thread, values as CodeActStateValue) } };
    }
    // Found waiting for a person (this cell runs again after the parent waited, or after a crash):
    // the answer given for it resumes it; with a person at hand it asks again; else it still waits.
    const pending = (before.tasks ?? []).flatMap((t) => t.interrupts ?? []) as { id?: string; value: unknown }[];
    let resume: unknown;
    if (started && pending.length) {
      resume = this.answerFor(thread, pending[0]!, scope);
      if (resume === undefined && !this.tree.people) {
        starting();
        return { waiting: await this.waitingOf(thread, profile.name) };
      }
    }
    const release = await budget.slot(signal);
    let share: Share | undefined;
    try {
      const siblings = starting();
      const carved = budget.carve({ ...profile.limits, ...limitsOf3(spec) }, siblings);
      if ("exhausted" in carved) {
        const r = { thread, agent: profile.name, status: "budget", answer: null, detail: `not started: ${carved.exhausted}`, tokens: 0, modelCalls: 0 };
        report(r, undefined);
        return { result: { ...r, files: [] } };
      }
      share = carved;
      const settings = childSettings(this.settings, profile, carved.limits);
      const lock = await lockThread(store, thread);
      let state: RunResult | undefined;
      let stop: { state: "finished" | "paused" | "error"; detail?: string } = { state: "error", detail: "the sub-agent's run ended unexpectedly" };
      try {
        if (!started) await store.settings.append(thread, childRecord(settings), `delegated by ${parent}`);
        const models = this.tree.models?.get(thread);
        const runtime = await createRuntime(settings, { threadId: thread, secrets: this.tree.secrets, env: this.tree.env, signal, ...(models ? { models } : {}) });
        this.tree.models?.set(thread, runtime.models);
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
          });
          const task = profile.instructions ? `${profile.instructions}\n\nYour task:\n${spec.task}` : spec.task;
          const onEvent = this.tree.onEvent ? (e: CodeActEvent) => this.tree.onEvent!(thread, e, profile.name) : undefined;
          const inputs = started ? undefined : spec.inputs.map((f) => ({ name: f.name, data: Buffer.from(f.data, "base64") }));
          // Outside the parent's LangChain context: run inside its executor node, the child would
          // otherwise become a subgraph of it (checkpoint namespace, callbacks) instead of its own thread.
          const storage = AsyncLocalStorageProviderSingleton.getInstance();
          const who: Asker = { thread, agent: profile.name, depth: this.depth + 1 };
          const { people } = this.tree;
          state = await storage.run(undefined as never, () =>
            runCodeAct(graph, started ? null : task, {
              threadId: thread,
              signal,
              onEvent,
              ...(inputs?.length ? { inputs } : {}),
              ...(resume !== undefined ? { resume } : {}),
              ...(people?.ask ? { onQuestion: (q: QuestionRequest) => people.ask!(who, q) } : {}),
              ...(people?.approve ? { onApproval: (r: ApprovalRequest) => people.approve!(who, r) } : {}),
            }),
          );
          const waits = Boolean(state.awaitingAnswer || state.awaitingApproval || state.awaitingChildren);
          stop = waits ? { state: "paused", detail: "waiting for a person" } : { state: "finished" };
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
      if (state.awaitingAnswer || state.awaitingApproval || state.awaitingChildren) {
        // Not ended: its reservation goes back, and its use is counted when it ends.
        budget.release(share);
        share = undefined;
        return { waiting: state.awaitingChildren ? state.awaitingChildren.children : await this.waitingOf(thread, profile.name) };
      }
      const r = this.resultOf(thread, profile, state);
      report(r, share);
      share = undefined;
      return { result: { ...r, files: await this.filesOf(thread, state) } };
    } catch (err) {
      if (share) report({ thread, agent: profile.name, status: "error", answer: null, detail: (err as Error).message, tokens: 0, modelCalls: 0 }, share);
      if (signal?.aborted) throw err;
      return { result: { thread, agent: profile.name, status: "error", answer: null, detail: (err as Error).message.slice(0, 2_000), tokens: 0, modelCalls: 0, files: [] } };
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
