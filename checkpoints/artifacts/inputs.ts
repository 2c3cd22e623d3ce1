/**
 * Input files and the artifact store: `storeInputs` keeps a run's input files with its thread
 * (content-addressed, so the same file given to many runs or branches is kept once) and returns the
 * references the graph state holds; `loadInputs` gives the executor node the bytes back.
 */
import { type InputFile, InputError } from "../../executors/workspace/inputs";
import type { InputRef } from "../../graphs/state/inputs";
import type { ArtifactScope } from "./cells";
import { ArtifactLimitError, sha256Hex } from "./store";

/** References for the graph state: bytes in the store when there is one, else inline base64. */
export async function storeInputs(files: InputFile[], scope: ArtifactScope | undefined): Promise<InputRef[]> {
  const refs: InputRef[] = [];
  for (const f of files) {
    if (!scope) {
      refs.push({ name: f.name, sha256: sha256Hex(f.data), size: f.data.length, base64: f.data.toString("base64") });
      continue;
    }
    try {
      const stored = await scope.store.put(scope.threadId, f.data, { mime: "application/octet-stream" });
      refs.push({ name: f.name, sha256: stored.sha256, size: f.data.length });
    } catch (err) {
      if (!(err instanceof ArtifactLimitError)) throw err;
      throw new InputError(`Input file ${JSON.stringify(f.name)} cannot be kept with the thread: ${err.message} (The artifact limits are raised with CODEACT_ARTIFACT_MAX_MB and CODEACT_THREAD_ARTIFACTS_MAX_MB.)`);
    }
  }
  return refs;
}

/** The bytes of each input; a reference whose bytes are gone is a clear error, not an empty file. */
export async function loadInputs(refs: InputRef[], scope: ArtifactScope | undefined): Promise<InputFile[]> {
  const files: InputFile[] = [];
  for (const ref of refs) {
    const data = ref.base64 !== undefined ? Buffer.from(ref.base64, "base64") : scope ? await scope.store.get(scope.threadId, ref.sha256) : undefined;
    if (!data) {
      throw new InputError(`Input file ${JSON.stringify(ref.name)} (sha256 ${ref.sha256.slice(0, 12)}) is not in ${scope ? "this thread's artifact store" : "any artifact store given to the graph"};`, "usage", {
        hint: "give it again as an input (RunOptions.inputs).",
        step: "give_input_again",
      });
    }
    files.push({ name: ref.name, data });
  }
  return files;
}
