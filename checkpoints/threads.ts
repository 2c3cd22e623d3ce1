/** Reading a thread's state without running anything: for export, history and status commands. */
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createCodeActGraph } from "../graphs/codeact";
import type { CodeActStateValue } from "../graphs/state";
import { DockerJupyterExecutor } from "../executors/docker";
import { ScriptedChatModel } from "../nodes/scripted-model";

/** A graph bound to the saver whose nodes are never run: models and kernel are inert placeholders. */
export function readerGraph(saver: BaseCheckpointSaver) {
  const inert = new ScriptedChatModel({ script: [] });
  return createCodeActGraph({ models: { planner: inert, coder: inert, critic: inert }, executor: new DockerJupyterExecutor(), checkpointer: saver });
}

export async function readThreadState(saver: BaseCheckpointSaver, threadId: string): Promise<CodeActStateValue> {
  const snapshot = await readerGraph(saver).getState({ configurable: { thread_id: threadId } });
  const values = snapshot.values as CodeActStateValue;
  if (!values || !values.task) throw new Error(`No run with thread id "${threadId}" in this checkpoint store. \`codeact threads\` lists the runs.`);
  return values;
}
