/**
 * A thread's honest status, from three facts: what its latest checkpoint says, whether a live
 * process holds its lock, and how its last run ended (a row written when a run starts and again
 * when it stops cleanly). A run whose row still says "running" with nobody holding the lock died
 * without stopping: that is a crash, not a pause. Light on purpose (no LangGraph): `codeact
 * threads` computes this straight from the SQLite file.
 */
import { hostname } from "node:os";
import { pidAlive } from "../executors/pid";
import { redactSecrets } from "../errors/redact";

export const THREAD_STATUSES = ["running", "paused", "waiting", "crashed", "done", "failed"] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** How the last run of a thread ended, as recorded by the process that ran it. */
export type RunRecordState = "running" | "paused" | "finished" | "error";
export interface RunRecord {
  state: RunRecordState;
  /** The signal that paused it, or the error that ended it. */
  detail: string;
  pid: number;
  host: string;
  /** ISO time of the start ("running") or of the clean stop. */
  at: string;
}

/** An interrupt pending in the latest checkpoint: an action to approve or a question to answer. */
export interface Waiting {
  kind: "approve_code" | "ask_user" | "interrupt";
  /** The question, or the first line of the pending code (untrusted text: show it through cli/inert). */
  text: string;
}

export interface StatusFacts {
  /** The latest checkpoint's status (running, done, max_iterations, …); undefined before its first step. */
  runStatus?: string;
  statusDetail?: string;
  waiting?: Waiting;
  /** Who holds the thread's lock right now (a live process), if anyone. */
  holder?: string;
  record?: RunRecord;
  /** The latest checkpoint's source: "update" when it was written from outside a run (a branch). */
  source?: string;
}

export interface StatusVerdict {
  status: ThreadStatus;
  /** Why: the holder of a running thread, what waits, the signal of a pause, the budget or error of a failure. */
  detail: string;
}

/** A SQLite lock's heartbeat lease (checkpoints/lock.ts): a holder on another host is live while it beats. */
export const LEASE_MS = 30_000;

/** Whether a SQLite lock row names a live holder: a process on this host, or a fresh heartbeat from another. */
export function sqliteHolderAlive(row: { pid: number; host: string; heartbeat_at: number }, host = hostname()): boolean {
  return row.host === host ? pidAlive(row.pid) : Date.now() - row.heartbeat_at < LEASE_MS;
}

/** The one rule, its detail without credentials (a record written before they were masked, a state's error text). */
export function threadStatus(f: StatusFacts): StatusVerdict {
  const verdict = verdictOf(f);
  return { ...verdict, detail: redactSecrets(verdict.detail) };
}

/** Order matters: a person being asked is waiting even while the asking process lives. */
function verdictOf(f: StatusFacts): StatusVerdict {
  if (f.waiting) return { status: "waiting", detail: f.waiting.kind === "ask_user" ? "a question to answer" : f.waiting.kind === "approve_code" ? "an action to approve" : "an interrupt" };
  if (f.holder) return { status: "running", detail: f.holder };
  if (f.runStatus === "done") return { status: "done", detail: "" };
  if (f.runStatus && f.runStatus !== "running") return { status: "failed", detail: f.statusDetail ? `${f.runStatus}: ${f.statusDetail}` : f.runStatus };
  const r = f.record;
  // A branch (or an edited state) no run has taken up yet: ready to resume, nothing died.
  if (!r && f.source === "update") return { status: "paused", detail: "not run since it was created or edited (codeact resume runs it)" };
  const early = f.runStatus === undefined ? " before its first step" : "";
  switch (r?.state) {
    case "paused":
      return { status: "paused", detail: `${r.detail || "stopped"}${early} at ${r.at}` };
    case "error":
      return { status: "failed", detail: `error${early}: ${r.detail.split("\n")[0]}` };
    case "finished":
      // Ended cleanly with work left (an approval given and then refused input, say): resumable.
      return { status: "paused", detail: `stopped${early} at ${r.at}` };
    case "running":
      return { status: "crashed", detail: `pid ${r.pid} on ${r.host} died${early} (run started ${r.at})` };
    default:
      return { status: "crashed", detail: `its process ended without a clean stop${early}` };
  }
}

const firstLine = (text: string) => (text.split("\n").find((l) => l.trim()) ?? "").trim().slice(0, 200);

/**
 * The pending interrupt from a checkpoint's `__interrupt__` write (a list of `{ id, value }`) or a
 * payload itself. The payload was written by model-driven code: read defensively.
 */
export function waitingOf(write: unknown): Waiting | undefined {
  const first = Array.isArray(write) ? write[0] : write;
  if (!first || typeof first !== "object") return undefined;
  const value = ("value" in first ? (first as { value: unknown }).value : first) as Record<string, unknown> | null;
  if (value && typeof value === "object") {
    if (value.kind === "ask_user" && typeof value.question === "string") return { kind: "ask_user", text: value.question.slice(0, 500) };
    if (value.kind === "approve_code" && typeof value.code === "string") return { kind: "approve_code", text: firstLine(value.code) };
  }
  return { kind: "interrupt", text: "" };
}

/** User turns in a thread's state: `turn` counts from 0 where follow-ups exist; one otherwise. */
export function turnsOf(values: Record<string, unknown>): number {
  return typeof values.turn === "number" && Number.isInteger(values.turn) && values.turn >= 0 ? values.turn + 1 : 1;
}

/** The task: the state's, or for a thread that never ran a step the input waiting in `__start__`. */
export function taskOf(values: Record<string, unknown>): string {
  if (typeof values.task === "string") return values.task;
  const start = values.__start__ as { task?: unknown } | undefined;
  return typeof start?.task === "string" ? start.task : "";
}

/** What `codeact threads` lists for each thread. */
export interface ThreadSummary {
  threadId: string;
  task: string;
  status: ThreadStatus;
  detail: string;
  /** The checkpoint's own status (running, done, max_iterations, …; "" before the first step). */
  runStatus: string;
  turns: number;
  cells: number;
  /** The latest checkpoint's step number. */
  steps: number;
  /** Last activity: the latest checkpoint's time. */
  updated: string;
  waiting?: Waiting;
}

/**
 * Per-thread tables in the checkpoint database besides LangGraph's own and the artifacts:
 * `codeact rm` deletes the thread's rows from each (SQLite and Postgres, column `thread_id`).
 * A feature that adds such a table (thread settings, say) adds its name here.
 */
export const PER_THREAD_TABLES: string[] = ["codeact_locks", "codeact_thread_runs", "codeact_thread_settings"];
