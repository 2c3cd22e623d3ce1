/**
 * Which threads `codeact threads` shows, and how: eval threads hidden unless asked for, sub-agent
 * children under their parent. Pure functions over thread ids (no store, no zod: `codeact threads`
 * starts without them).
 *
 * Two id conventions are read here. An eval names its task threads `eval-<8 hex>.<agent>.…`
 * (eval/run.ts taskThreadId); a sub-agent child is `<parent>.<cell>.<index>`. A child is folded
 * only under a parent that exists, so an id that merely looks like one (an eval's hash that happens
 * to be digits) stays where it is.
 */

const EVAL_THREAD = /^(eval-[0-9a-f]{8})(?:\.|$)/;
const CHILD = /^(.+)\.(\d{1,9})\.(\d{1,9})$/;

/** The eval a thread belongs to ("eval-1a2b3c4d"), or undefined for a thread a person started. */
export function evalIdOf(threadId: string): string | undefined {
  return EVAL_THREAD.exec(threadId)?.[1];
}

/** The parent a child id names and its place (cell, index), when the id has a child's shape. */
export function childOf(threadId: string): { parent: string; cell: number; index: number } | undefined {
  const m = CHILD.exec(threadId);
  return m ? { parent: m[1]!, cell: Number(m[2]), index: Number(m[3]) } : undefined;
}

export interface Selection {
  /** Every thread, eval threads too. */
  all?: boolean;
  /** Only this eval's threads. */
  eval?: string;
}

/** The threads to show and how many eval threads were left out. */
export function selectThreads<T extends { threadId: string }>(threads: T[], how: Selection): { shown: T[]; hiddenEvals: number } {
  if (how.eval !== undefined) return { shown: threads.filter((t) => evalIdOf(t.threadId) === how.eval || t.threadId.startsWith(`${how.eval}.`)), hiddenEvals: 0 };
  if (how.all) return { shown: threads, hiddenEvals: 0 };
  const shown = threads.filter((t) => evalIdOf(t.threadId) === undefined);
  return { shown, hiddenEvals: threads.length - shown.length };
}

export interface TreeRow<T> {
  thread: T;
  /** 0 for a top-level thread; 1 for a child, 2 for a grandchild… */
  depth: number;
  /** Descendants folded into this row (not shown as rows of their own). */
  folded: number;
  /** The parent's id, for a child. */
  parent?: string;
}

/**
 * The threads as rows: top-level threads in the order given (newest first), each followed by its
 * children in (cell, index) order when `unfold`, else with their count folded into its row.
 */
export function threadTree<T extends { threadId: string }>(threads: T[], unfold: boolean): TreeRow<T>[] {
  const ids = new Set(threads.map((t) => t.threadId));
  const children = new Map<string, T[]>();
  const roots: T[] = [];
  for (const t of threads) {
    const c = childOf(t.threadId);
    if (c && ids.has(c.parent)) children.set(c.parent, [...(children.get(c.parent) ?? []), t]);
    else roots.push(t);
  }
  const place = (t: T) => childOf(t.threadId)!;
  for (const list of children.values()) list.sort((a, b) => place(a).cell - place(b).cell || place(a).index - place(b).index);
  const count = (id: string): number => (children.get(id) ?? []).reduce((n, c) => n + 1 + count(c.threadId), 0);
  const rows: TreeRow<T>[] = [];
  const visit = (t: T, depth: number, parent?: string) => {
    rows.push({ thread: t, depth, folded: unfold ? 0 : count(t.threadId), parent });
    if (unfold) for (const c of children.get(t.threadId) ?? []) visit(c, depth + 1, t.threadId);
  };
  for (const r of roots) visit(r, 0);
  return rows;
}

/** The ids of a thread's descendants (children, their children, …) among `ids`. */
export function descendantsOf(threadId: string, ids: Iterable<string>): string[] {
  const all = [...ids];
  const out: string[] = [];
  const walk = (parent: string) => {
    for (const id of all) if (childOf(id)?.parent === parent) (out.push(id), walk(id));
  };
  walk(threadId);
  return out;
}
