/** Runs (or resumes) a task on a compiled CodeAct graph, streaming its events. */
import type { CodeActGraph } from "./codeact";
import type { CodeActEvent } from "./events";
import type { CodeActStateValue } from "./state";

export interface RunOptions {
  threadId?: string;
  onEvent?: (event: CodeActEvent) => void;
  signal?: AbortSignal;
}

/** `task` starts a run; `null` continues the thread from its latest checkpoint. */
export async function runCodeAct(graph: CodeActGraph, task: string | null, options: RunOptions = {}): Promise<CodeActStateValue> {
  const config = {
    configurable: { thread_id: options.threadId ?? "default" },
    recursionLimit: graph.recursionLimit,
    streamMode: ["custom", "values"] as ("custom" | "values")[],
    signal: options.signal,
  };
  let last: CodeActStateValue | undefined;
  const stream = await graph.stream(task === null ? null : { task }, config);
  for await (const [mode, data] of stream as AsyncIterable<[string, unknown]>) {
    if (mode === "custom") options.onEvent?.(data as CodeActEvent);
    else last = data as CodeActStateValue;
  }
  if (!last) throw new Error("The graph produced no state.");
  options.onEvent?.({ type: "finished", status: last.status, answer: last.answer, detail: last.statusDetail });
  return last;
}
