/**
 * The tree's budget, owned by the root's delegator and shared by every delegator below it in this
 * process: children at once, children in all, tokens, model calls and wall time. A child's share is
 * carved from what is left when it starts and what it did not use goes back when it ends, so the
 * children together never get more than the tree has. Depth is checked by each delegator.
 */
import type { AgentLimits, TreeLimits } from "../state/agents";

/** One child as `finished` reports it. */
export interface ChildReport {
  thread: string;
  agent: string;
  depth: number;
  status: string;
  tokens: number;
  modelCalls: number;
  /** Its result came from its thread (it had ended before: a resumed parent), not from a new run. */
  reused?: boolean;
}

export interface TreeTotals {
  tokens: number;
  modelCalls: number;
  children: number;
  each: ChildReport[];
}

export interface Share {
  limits: AgentLimits;
  tokens?: number;
  modelCalls?: number;
}

export class TreeBudget {
  private running = 0;
  private started = 0;
  private readonly waiting: (() => void)[] = [];
  private used = { tokens: 0, modelCalls: 0 };
  private reserved = { tokens: 0, modelCalls: 0 };
  private deadline: number | undefined;
  readonly each: ChildReport[] = [];

  constructor(readonly limits: TreeLimits) {}

  /** Waits for a free slot among the tree's running children; resolves with its release. */
  async slot(signal?: AbortSignal): Promise<() => void> {
    while (this.running >= this.limits.maxParallel) {
      if (signal?.aborted) throw new Error("paused while waiting to start a sub-agent");
      await new Promise<void>((resolve) => {
        this.waiting.push(resolve);
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
    this.running++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.running--;
      this.waiting.shift()?.();
    };
  }

  /**
   * The limits for one more child, or why there is no room: `request` is what the call or profile
   * asked for, `siblings` how many children of the same call have not started (they share what is left).
   */
  carve(request: AgentLimits, siblings: number, now = Date.now()): Share | { exhausted: string } {
    if (this.started >= this.limits.maxChildren) return { exhausted: `the tree's limit of ${this.limits.maxChildren} sub-agents in all is reached` };
    const limits: AgentLimits = { ...request };
    const share: Share = { limits };
    if (this.limits.wallClockMs !== undefined) {
      this.deadline ??= now + this.limits.wallClockMs;
      const left = this.deadline - now;
      if (left <= 0) return { exhausted: "the tree's wall-clock budget is spent" };
      limits.wallClockMs = Math.min(limits.wallClockMs ?? left, left);
    }
    const n = Math.max(1, siblings);
    if (this.limits.tokens !== undefined) {
      const left = this.limits.tokens - this.used.tokens - this.reserved.tokens;
      if (left <= 0) return { exhausted: `the tree's budget of ${this.limits.tokens} tokens is spent` };
      share.tokens = Math.min(limits.tokenBudget ?? Math.floor(left / n), left);
      if (share.tokens < 1) return { exhausted: `the tree's budget of ${this.limits.tokens} tokens is spent` };
      limits.tokenBudget = share.tokens;
    }
    if (this.limits.modelCalls !== undefined) {
      const left = this.limits.modelCalls - this.used.modelCalls - this.reserved.modelCalls;
      // A child needs a planner, a coder and a critic call at least.
      if (left < 3) return { exhausted: `the tree's budget of ${this.limits.modelCalls} model calls is spent` };
      share.modelCalls = Math.max(3, Math.floor(left / n));
      // Coder turns bound model calls: planner and critic calls come around them.
      limits.maxIterations = Math.min(limits.maxIterations ?? Infinity, Math.max(1, share.modelCalls - 2));
    }
    this.started++;
    this.reserved.tokens += share.tokens ?? 0;
    this.reserved.modelCalls += share.modelCalls ?? 0;
    return share;
  }

  /** A child stopped without ending (it waits for a person): its reservation goes back, nothing is counted yet. */
  release(share: Share | undefined): void {
    if (!share) return;
    this.reserved.tokens -= share.tokens ?? 0;
    this.reserved.modelCalls -= share.modelCalls ?? 0;
  }

  /** A child ended (or was found ended): its reservation goes back, its use is counted. */
  settle(share: Share | undefined, report: ChildReport): void {
    if (share) {
      this.reserved.tokens -= share.tokens ?? 0;
      this.reserved.modelCalls -= share.modelCalls ?? 0;
    }
    this.used.tokens += report.tokens;
    this.used.modelCalls += report.modelCalls;
    this.each.push(report);
  }

  totals(): TreeTotals {
    return { tokens: this.used.tokens, modelCalls: this.used.modelCalls, children: this.each.length, each: [...this.each] };
  }
}
