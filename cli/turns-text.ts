/** A thread's turns as text, for `codeact history`: each request and what came of it, then the checkpoints. */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { openThread, readThreadState, threadHistory } from "../graphs/threads";
import { inert } from "../exports/inert";
import { type ThreadView, threadView } from "../exports/view";
import { table } from "./table";

const cut = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);
const oneLine = (s: string, n: number) => inert(cut(s.replace(/\s*\n\s*/g, " ⏎ "), n));

export function viewTurnsText(view: ThreadView): string {
  return view.turns
    .map((t) => {
      const cells = t.cellCount;
      const head = `turn ${t.index + 1} (${t.status}${t.current && t.status === "running" ? ", not ended" : ""}): ${oneLine(t.index === 0 ? view.task : t.request, 200)}`;
      const outcome = t.answer ? `answer: ${oneLine(t.answer, 300)}` : t.status === "running" ? "no answer yet" : `no answer: ${oneLine(t.statusDetail || t.status, 300)}`;
      return `${head}\n  ${outcome}  (${cells} cell${cells === 1 ? "" : "s"})`;
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
  return `${turns}\n${table(history.map((h) => ({ checkpoint: h.checkpointId, step: h.step, next: h.next.join(",") || "(end)", summary: inert(h.summary.slice(0, 90)) })))}`;
}
