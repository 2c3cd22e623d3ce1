/**
 * The terminal side of ask_user(): the agent's question is shown (inert: it is text written by
 * model code) and the person's answer is read, one line. Without a terminal, or with --json, there
 * is nobody to type: the run stops with a `question` event and `codeact resume <id> --answer "…"`
 * continues it (exit code WAITING_EXIT_CODE).
 */
import pc from "picocolors";
import type { QuestionRequest } from "../graphs/state/question";
import type { Asker } from "../graphs/agents/delegator";
import type { ChildrenWaiting } from "../graphs/state/waiting";
import { LineReader, type TerminalApprover, terminalApprover } from "./approve";
import { inert } from "../exports/inert";

/** The exit code of a run that stopped to wait for the person's answer to the agent's question. */
export const WAITING_EXIT_CODE = 3;

export interface TerminalPrompts {
  approve: TerminalApprover;
  /** `who`: a sub-agent asking (named in the prompt); absent: the agent of the run itself. */
  ask: (question: QuestionRequest, who?: Asker) => Promise<string>;
  /** Stops reading the terminal (the process cannot exit while it reads). */
  close(): void;
}

/** Approval and question prompts over one line reader: a line typed for one never reaches the other. */
export function terminalPrompts(): TerminalPrompts {
  let input: LineReader | undefined;
  const reader = () => (input ??= new LineReader());
  const ask = async (q: QuestionRequest, who?: Asker): Promise<string> => {
    process.stderr.write(pc.bold(pc.yellow(`\n${asker(who)} asks (step ${q.step + 1}):\n`)));
    process.stderr.write(`${inert(q.question).split("\n").map((l) => `  │ ${l}`).join("\n")}\n`);
    return reader().ask(pc.bold("Your answer: "), "Input ended while the agent was waiting for an answer; resume the thread with --answer.");
  };
  // Closing lets go of stdin; a later prompt opens a new reader (a chat closes it between turns, so
  // the next request typed at its prompt is never buffered here as an answer).
  const close = () => {
    input?.close();
    input = undefined;
  };
  return { approve: terminalApprover(reader), ask, close };
}

/** Who asks, as a prompt names it: the run's agent, or a sub-agent by profile and thread (inert: the thread id is checked, the name is a profile's). */
export function asker(who: Pick<Asker, "agent" | "thread"> | undefined): string {
  return who ? `Sub-agent ${inert(who.agent)} (thread ${inert(who.thread)})` : "The agent";
}

/** How a run whose sub-agents wait for a person is continued: each one named, with its command. */
export function childrenWaitingMessage(threadId: string, w: ChildrenWaiting): string {
  const lines = [`Sub-agents wait for a person (${w.children.length}):`];
  for (const c of w.children) {
    const r = c.request;
    if (r.kind === "ask_user") {
      lines.push(`${asker(c)} asks (step ${r.step + 1}):`, ...inert(r.question).split("\n").map((l) => `  │ ${l}`));
      lines.push(`  Answer with: codeact resume ${threadId} --for ${inert(c.thread)} --answer "<your answer>"`);
    } else {
      lines.push(`${asker(c)} waits for approval of (step ${r.step + 1}):`, ...inert(r.code).split("\n").slice(0, 12).map((l) => `  │ ${l}`));
      lines.push(`  Decide with: codeact resume ${threadId} --approve`);
    }
  }
  return lines.join("\n");
}

/** How a run that waits for an answer is continued, for the person reading stderr. */
export function waitingMessage(threadId: string, q: QuestionRequest): string {
  return `The agent asks (step ${q.step + 1}):\n${inert(q.question).split("\n").map((l) => `  │ ${l}`).join("\n")}\nWaiting for your answer. Continue with: codeact resume ${threadId} --answer "<your answer>"`;
}
