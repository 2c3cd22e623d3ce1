/**
 * Events the nodes write to LangGraph's custom stream (`streamMode: "custom"`), for live progress
 * in the CLI, `--json` output, and any SDK client.
 */
import type { OutputEvent } from "../../executors/types";
import type { Cell } from "./cell";
import type { PlanStep, RunStatus } from "./state";
import type { WaitingChild } from "./waiting";

export type CodeActEvent =
  | { type: "plan"; steps: PlanStep[]; replan: boolean }
  /** A turn starts: the thread's first request (index 0) or a follow-up. */
  | { type: "turn"; index: number; request: string }
  | { type: "thinking"; role: "planner" | "coder" | "critic" }
  | { type: "action"; step: number; attempt: number; code: string; thought: string }
  | { type: "invalid_output"; reason: string; count: number }
  | { type: "output"; event: OutputEvent }
  | { type: "cell"; cell: Cell }
  /** A file under /workspace/outputs/ collected into the thread's artifact store after a cell (before its `cell` event). */
  | { type: "file"; path: string; size: number; sha256: string }
  | {
      type: "rehydrated";
      replayed: number;
      failed: number;
      /**
       * Replayed cells that did not do what the recorded run did: `ended` otherwise (recorded and
       * replayed: how each ended) or printed other `output` (the first differing line of each).
       */
      diverged: { cellId: string; step: number; kind: "ended" | "output"; recorded: string; replayed: string }[];
      durationMs: number;
    }
  | { type: "self_debug"; step: number; attempt: number; error: string }
  | { type: "proposed_answer"; answer: string }
  | { type: "critique"; step: number; verdict: "next" | "replan" | "done"; feedback: string }
  /** The coder's older turns were replaced by a summary (`digest`: written without the model). */
  | { type: "compaction"; replaced: number; kept: number; charsBefore: number; charsAfter: number; digest: boolean; reason?: string }
  /** The agent's code called ask_user(): the run waits for the person's answer (an interrupt). */
  | { type: "question"; question: string; step: number }
  /** The agent's code delegated to sub-agents that wait for a person: the run waits for them (graphs/state/waiting.ts). */
  | { type: "children_waiting"; step: number; children: WaitingChild[] }
  /** An action waits for a person's approval (approval mode). */
  | { type: "approval"; step: number; attempt: number; code: string }
  | {
      type: "finished";
      status: RunStatus;
      answer: string | null;
      detail: string;
      /** Set by runCodeAct: the state's token and model-call counts, its cells, this invocation's wall time, and the turn (when turns exist). */
      tokens?: number;
      modelCalls?: number;
      cells?: number;
      durationMs?: number;
      turn?: number;
      /** With sub-agents: the children's tokens and model calls together, and each child's (graphs/agents/budget.ts). */
      tree?: { tokens: number; modelCalls: number; children: number; each: { thread: string; agent: string; depth: number; status: string; tokens: number; modelCalls: number; reused?: boolean }[] };
    };

export type EventWriter = (event: CodeActEvent) => void;

/** The custom-stream writer of a node's config, or a no-op when nobody listens. */
export function writerOf(config: { writer?: (chunk: unknown) => void } | undefined): EventWriter {
  const w = config?.writer;
  return w ? (event) => w(event) : () => undefined;
}
