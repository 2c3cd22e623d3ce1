/**
 * Files out: after each cell, the files under /workspace/outputs/ that are new or changed since the
 * last collection go into the thread's artifact store and onto the cell. Cheap when nothing changed:
 * one listing, then size+mtime against what this kernel already showed; only a changed entry is
 * read and hashed, and bytes already recorded for that path (a replayed kernel rewriting the same
 * file) are not recorded twice. A file past a size limit is skipped with a note the model sees.
 */
import type { ArtifactScope } from "../../checkpoints/artifacts/cells";
import { ArtifactLimitError, sha256Hex } from "../../checkpoints/artifacts/store";
import { humanSize, MAX_LISTED } from "../../executors/workspace/limits";
import { OUTPUTS_DIR, OutputTooLargeError } from "../../executors/workspace/outputs";
import type { CodeExecutor } from "../../executors/types";
import type { Cell, CellFile } from "../../graphs/state/cell";
import type { EventWriter } from "../../graphs/state/events";

interface Seen {
  size: number;
  mtimeMs: number;
}

/**
 * What each kernel's outputs looked like at its last collection. Per executor and kernel process: a
 * new kernel (restart, rehydration) starts with none, and the recorded hashes decide instead.
 */
const lastSeen = new WeakMap<CodeExecutor, { generation?: number; files: Map<string, Seen>; toldTooMany?: boolean }>();

function seenFor(executor: CodeExecutor): { files: Map<string, Seen>; toldTooMany?: boolean } {
  let s = lastSeen.get(executor);
  if (!s || s.generation !== executor.generation) lastSeen.set(executor, (s = { generation: executor.generation, files: new Map() }));
  return s;
}

/** The latest recorded bytes of each path in the thread's cells. */
function recordedHashes(cells: Cell[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const cell of cells) for (const f of cell.files ?? []) out.set(f.path, f.sha256);
  return out;
}

export interface CollectedOutputs {
  files: CellFile[];
  /** For the model (cell notes): what was collected, what was skipped and why. */
  notes: string[];
}

/**
 * Collects the kernel's new or changed output files into `scope` (nothing without a store: there
 * would be nowhere to keep them). Never throws for a file: a problem becomes a note.
 */
export async function collectOutputs(executor: CodeExecutor, cells: Cell[], scope: ArtifactScope | undefined, emit: EventWriter): Promise<CollectedOutputs> {
  const result: CollectedOutputs = { files: [], notes: [] };
  if (!scope) return result;
  let listed;
  try {
    listed = await executor.listOutputs();
  } catch (err) {
    result.notes.push(`The files under /workspace/${OUTPUTS_DIR}/ could not be listed, so none were collected after this cell: ${(err as Error).message}`);
    return result;
  }
  if (!listed.length) return result;
  const kernel = seenFor(executor);
  const seen = kernel.files;
  const recorded = recordedHashes(cells);
  const { maxArtifactBytes, maxThreadBytes } = scope.store.limits;
  const skipped: string[] = [];
  for (const file of [...listed].sort((a, b) => a.path.localeCompare(b.path))) {
    const before = seen.get(file.path);
    if (before && before.size === file.size && before.mtimeMs === file.mtimeMs) continue;
    // Remembered even when skipped below, so the same note is not repeated after every cell.
    seen.set(file.path, { size: file.size, mtimeMs: file.mtimeMs });
    const path = `${OUTPUTS_DIR}/${file.path}`;
    const overFileLimit = (bytes: number) =>
      skipped.push(`/workspace/${path} (${humanSize(bytes)}) was not collected: it is over the per-file limit of ${humanSize(maxArtifactBytes)} (the user can raise it with CODEACT_ARTIFACT_MAX_MB).`);
    if (file.size > maxArtifactBytes) {
      overFileLimit(file.size);
      continue;
    }
    let data: Buffer;
    try {
      data = await executor.readOutput(file.path, maxArtifactBytes);
    } catch (err) {
      if (err instanceof OutputTooLargeError) overFileLimit(err.size);
      else skipped.push(`/workspace/${path} was not collected: ${(err as Error).message}`);
      continue;
    }
    const sha256 = sha256Hex(data);
    if (recorded.get(path) === sha256) continue;
    try {
      await scope.store.put(scope.threadId, data, { mime: "application/octet-stream" });
    } catch (err) {
      if (!(err instanceof ArtifactLimitError)) throw err;
      skipped.push(`/workspace/${path} (${humanSize(data.length)}) was not collected: this thread's files and artifacts would pass its limit of ${humanSize(maxThreadBytes)} (the user can raise it with CODEACT_THREAD_ARTIFACTS_MAX_MB).`);
      continue;
    }
    recorded.set(path, sha256);
    const record = { path, sha256, size: data.length };
    result.files.push(record);
    emit({ type: "file", ...record });
  }
  if (result.files.length) {
    // Named up to a point: the note is part of what the model reads.
    const named = result.files.slice(0, 10).map((f) => `/workspace/${f.path} (${humanSize(f.size)})`);
    const more = result.files.length - named.length;
    result.notes.push(`Collected for the user: ${named.join(", ")}${more ? ` and ${more} more` : ""}.`);
  }
  // The same for skipped files: the first few, then a count.
  if (skipped.length > 10) skipped.splice(10, skipped.length - 10, `… and ${skipped.length - 10} more files were not collected for the same kinds of reasons.`);
  if (listed.length >= MAX_LISTED && !kernel.toldTooMany) {
    kernel.toldTooMany = true;
    skipped.push(`Only the first ${MAX_LISTED} files under /workspace/${OUTPUTS_DIR}/ are looked at; put fewer, larger files there (an archive, say).`);
  }
  result.notes.push(...skipped);
  return result;
}

/** `/workspace/<path>` mentions in a text, as paths relative to /workspace (trailing punctuation dropped). */
export function namedWorkspacePaths(text: string): string[] {
  const out = new Set<string>();
  for (const m of text.matchAll(/\/workspace\/([^\s'"`<>()[\]{},;|*?]+)/g)) {
    const path = m[1]!.replace(/[.:!]+$/, "");
    if (path) out.add(path);
  }
  return [...out].slice(0, 20);
}

/**
 * Files under /workspace that the final answer names and no cell collected with the same bytes: kept
 * like outputs, so `codeact files` and the exports have what the answer points to. Best effort: a
 * path that is not a plain regular file, or over a limit, is left out.
 */
export async function collectAnswerFiles(executor: CodeExecutor, answer: string, cells: Cell[], scope: ArtifactScope | undefined, emit: EventWriter): Promise<CellFile[]> {
  if (!scope || !executor.readWorkspaceFile) return [];
  const recorded = recordedHashes(cells);
  const files: CellFile[] = [];
  for (const path of namedWorkspacePaths(answer)) {
    let data: Buffer;
    try {
      data = await executor.readWorkspaceFile(path, scope.store.limits.maxArtifactBytes);
    } catch {
      continue;
    }
    const sha256 = sha256Hex(data);
    if (recorded.get(path) === sha256) continue;
    try {
      await scope.store.put(scope.threadId, data, { mime: "application/octet-stream" });
    } catch (err) {
      if (err instanceof ArtifactLimitError) continue;
      throw err;
    }
    const record = { path, sha256, size: data.length };
    files.push(record);
    emit({ type: "file", ...record });
  }
  return files;
}
