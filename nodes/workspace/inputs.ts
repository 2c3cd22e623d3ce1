/**
 * Input files in the nodes: `ensureInputs` puts the state's inputs into the kernel before the first
 * action or replay (once per executor: executors keep them through their own restarts), and
 * `taskWithInputs` tells the model which files it has.
 */
import { loadInputs } from "../../checkpoints/artifacts/inputs";
import type { ArtifactScope } from "../../checkpoints/artifacts/cells";
import type { CodeExecutor } from "../../executors/types";
import { humanSize } from "../../executors/workspace/limits";
import type { InputRef } from "../../graphs/state/inputs";
import { prompt } from "../prompts";

/** What each executor holds already: name and sha256 of every input put into it. */
const put = new WeakMap<CodeExecutor, Map<string, string>>();

export async function ensureInputs(executor: CodeExecutor, refs: InputRef[] | undefined, scope: ArtifactScope | undefined): Promise<void> {
  if (!refs?.length) return;
  const have = put.get(executor) ?? new Map<string, string>();
  const missing = refs.filter((r) => have.get(r.name) !== r.sha256);
  if (!missing.length) return;
  await executor.putInputs(await loadInputs(missing, scope));
  for (const r of missing) have.set(r.name, r.sha256);
  put.set(executor, have);
}

/** The task as the model reads it: with the list of input files (name, size) when there are any. */
export function taskWithInputs(state: { task: string; inputs?: InputRef[] }): string {
  if (!state.inputs?.length) return state.task;
  const shown = state.inputs.slice(0, 50).map((f) => `- inputs/${f.name} (${humanSize(f.size)})`);
  if (state.inputs.length > 50) shown.push(`- … and ${state.inputs.length - 50} more (list them with os.walk("inputs"))`);
  return `${state.task}\n\n${prompt("inputs", { files: shown.join("\n") })}`;
}
