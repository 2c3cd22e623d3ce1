/** A thread's turns as text, for `codeact history`: each request and what came of it, then the checkpoints. */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { openThread, readThreadState, threadHistory } from "../graphs/threads";
import { inert } from "../exports/inert";
import { type ThreadView, threadView, type ViewEntry, type ViewTurn } from "../exports/view";
import { table } from "./table";

/** A checkpoint's time as `codeact threads` shows times (UTC, to the second); "" when unknown. */
const when = (iso: string) => (iso ? iso.replace("T", " ").slice(0, 19) : "");
const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const oneLine = (s: string, n: number) => inert(cut(s.replace(/\s*\n\s*/g, " ⏎ "), n));

/** A line (or a few) for what happened around the cells: verdicts, a person's decisions, questions. */
function entryLines(e: ViewEntry, step?: number): string[] {
  const at = step === undefined ? "    " : `    step ${step + 1}: `;
  if (e.kind === "critique") return [`${at}critic: ${e.verdict}${e.feedback ? ` — ${oneLine(e.feedback, 200)}` : ""}`];
  if (e.kind === "compaction") return [`${at}context compacted (${e.digest ? "digest" : "summary"})`];
  if (e.kind === "plan") return [`${at}${e.replans ? "revised plan" : "plan"}: ${oneLine(e.text, 200)}`];
  if (e.kind === "cell") return e.questions.map((q) => `${at}cell ${e.index + 1} asked: ${oneLine(q.question, 120)} → ${oneLine(q.answer, 120)}`);
  if (e.decision === "approved") return [`${at}a person approved cell ${e.cell + 1}`];
  if (e.decision === "edited") {
    const changed = (e.diff ?? []).filter((l) => l.op !== " ").map((l) => `      ${l.op} ${inert(cut(l.text, 150))}`);
    return [`${at}a person edited cell ${e.cell + 1} before it ran${e.diff ? ":" : " (the proposed code was not recorded)"}`, ...changed];
  }
  if (e.decision === "rejected") return [`${at}a person rejected the action${e.feedback ? `: ${oneLine(e.feedback, 200)}` : ""}`];
  if (e.decision === "replaced") return [`${at}the pending action's code was replaced: ${oneLine(e.code, 120)}`];
  return [`${at}instruction: ${oneLine(e.text, 200)}`];
}

const turnLines = (t: ViewTurn): string[] => [...t.before.flatMap((e) => entryLines(e)), ...t.steps.flatMap((s) => s.entries.flatMap((e) => entryLines(e, s.step)))];

export function viewTurnsText(view: ThreadView): string {
  return view.turns
    .map((t) => {
      const cells = t.cellCount;
      const head = `turn ${t.index + 1} (${t.status}${t.current && t.status === "running" ? ", not ended" : ""}): ${oneLine(t.index === 0 ? view.task : t.request, 200)}`;
      const outcome = t.answer ? `answer: ${oneLine(t.answer, 300)}` : t.status === "running" ? "no answer yet" : `no answer: ${oneLine(t.statusDetail || t.status, 300)}`;
      return [`${head}\n  ${outcome}  (${cells} cell${cells === 1 ? "" : "s"})`, ...turnLines(t)].join("\n");
    })
    .join("\n");
}

export async function turnsText(saver: BaseCheckpointSaver, threadId: string): Promise<string> {
  return viewTurnsText(threadView(await readThreadState(saver, threadId), threadId));
}

/** What `codeact history <thread>` prints: every turn, then the checkpoints. */
export async function historyText(saver: BaseCheckpointSaver, threadId: string): Promise<string> {
  const reader = await openThread(saver, threadId);
  const history = await threadHistory(reader, threadId);
  const turns = await turnsText(reader, threadId);
  // STEP and CELLS are what `codeact branch --at` takes (7, cell:3), besides the id or its start.
  const rows = history.map((h) => ({ checkpoint: h.checkpointId, time: when(h.createdAt), step: h.step, cells: h.cells, next: h.next.join(",") || "(end)", summary: inert(h.summary.slice(0, 90)) }));
  return `${turns}\n${table(rows)}\nBranch from any of them with: codeact branch ${threadId} --at STEP (or cell:N, just before cell N ran; or the id's first characters)`;
}
