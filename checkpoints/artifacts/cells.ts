/**
 * Cells and the artifact store: `storeCellOutputs` moves a cell's large values (images, big HTML,
 * big tool arguments/results) into the store before the cell is checkpointed, leaving references;
 * `resolveCellOutputs` and `resolveToolCall` give consumers (export, replay) the exact values back.
 * Cells checkpointed before the store existed carry everything inline and pass through unchanged.
 */
import type { Cell } from "../../graphs/state/cell";
import type { ArtifactRef, RichOutput, ToolCallRecord } from "../../executors/types";
import { ArtifactLimitError, type ArtifactStore, megabytes } from "./store";
import { CodeActError } from "../../errors";

/** The store and the thread whose artifacts a cell's references point to. */
export interface ArtifactScope {
  store: ArtifactStore;
  threadId: string;
}

/** Values longer than this (characters) leave the checkpoint for the store. */
export const EXTERNALIZE_CHARS = 64 * 1024;
/**
 * Without a store (a library user's own SQLite or Postgres saver, the LangGraph server's), large
 * values stay inline up to this many characters per cell; further ones are dropped with a note, so
 * the cell still fits one checkpoint write.
 */
export const INLINE_BUDGET_CHARS = 8 * 1024 * 1024;
const PREVIEW_CHARS = 512;

/** text/plain is what the model reads and is already cut to the output limit: it always stays inline. */
const STAYS_INLINE = new Set(["text/plain"]);

/** The MIME types an output carries, inline or in the store. */
export function outputMimes(output: RichOutput): string[] {
  return [...Object.keys(output.data), ...Object.keys(output.artifacts ?? {})];
}

function encode(mime: string, value: string): { bytes: Buffer; encoding: ArtifactRef["encoding"] } {
  if (mime.startsWith("image/") && mime !== "image/svg+xml") {
    const bytes = Buffer.from(value, "base64");
    // Stored decoded only when that gives back the very same text (no line breaks, valid padding).
    if (bytes.toString("base64") === value) return { bytes, encoding: "base64" };
  }
  return { bytes: Buffer.from(value, "utf8"), encoding: "utf8" };
}

function decode(bytes: Buffer, ref: ArtifactRef): unknown {
  if (ref.encoding === "base64") return bytes.toString("base64");
  const text = bytes.toString("utf8");
  return ref.encoding === "json" ? JSON.parse(text) : text;
}

const short = (sha256: string) => sha256.slice(0, 12);

/**
 * The cell as it should be checkpointed: large values in the store (or, with no store, inline within
 * a budget). Throws when a tool call record cannot be kept whole, since replay needs it exactly.
 */
export async function storeCellOutputs(cell: Cell, scope: ArtifactScope | undefined): Promise<Cell> {
  const notes: string[] = [];
  let inlineLeft = INLINE_BUDGET_CHARS;
  const results: RichOutput[] = [];
  let changed = false;
  for (const output of cell.result.results) {
    const big = Object.entries(output.data).filter(([mime, v]) => !STAYS_INLINE.has(mime) && v.length > EXTERNALIZE_CHARS);
    if (!big.length) {
      results.push(output);
      continue;
    }
    changed = true;
    const data = { ...output.data };
    const artifacts: Record<string, ArtifactRef> = { ...output.artifacts };
    for (const [mime, value] of big) {
      delete data[mime];
      if (!scope) {
        if (value.length <= inlineLeft) {
          data[mime] = value;
          inlineLeft -= value.length;
        } else notes.push(`[${mime} output of ${megabytes(value.length)} not kept: no artifact store is configured and the cell's inline budget of ${megabytes(INLINE_BUDGET_CHARS)} is used]`);
        continue;
      }
      const { bytes, encoding } = encode(mime, value);
      try {
        const stored = await scope.store.put(scope.threadId, bytes, { mime });
        artifacts[mime] = { sha256: stored.sha256, bytes: stored.bytes, encoding };
      } catch (err) {
        if (!(err instanceof ArtifactLimitError)) throw err;
        notes.push(`[${mime} output not kept: ${err.message}]`);
      }
    }
    if (!Object.keys(data).length && !Object.keys(artifacts).length) continue;
    results.push({ ...output, data, ...(Object.keys(artifacts).length ? { artifacts } : {}) });
  }
  for (const note of notes) results.push({ kind: "display_data", data: { "text/plain": note } });

  const toolCalls: ToolCallRecord[] = [];
  for (const call of cell.result.toolCalls) {
    const stored = scope ? await storeToolCall(call, scope) : call;
    changed ||= stored !== call;
    toolCalls.push(stored);
  }
  if (!changed) return cell;
  return { ...cell, result: { ...cell.result, results, toolCalls } };
}

const TOOL_FIELDS = ["args", "result", "error"] as const;

async function storeToolCall(call: ToolCallRecord, scope: ArtifactScope): Promise<ToolCallRecord> {
  let out = call;
  for (const field of TOOL_FIELDS) {
    const value = call[field];
    if (value === undefined || call.artifacts?.[field]) continue;
    const text = field === "error" ? String(value) : JSON.stringify(value);
    if (text === undefined || text.length <= EXTERNALIZE_CHARS) continue;
    let stored;
    try {
      stored = await scope.store.put(scope.threadId, Buffer.from(text, "utf8"), { mime: field === "error" ? "text/plain" : "application/json" });
    } catch (err) {
      if (!(err instanceof ArtifactLimitError)) throw err;
      throw new ArtifactLimitError(`The ${field} of tool call ${call.name} cannot be kept for replay: ${err.message}`);
    }
    const ref: ArtifactRef = { sha256: stored.sha256, bytes: stored.bytes, encoding: field === "error" ? "utf8" : "json" };
    out = { ...out, [field]: `${text.slice(0, PREVIEW_CHARS)}… [${megabytes(text.length)} in artifact ${short(stored.sha256)}]`, artifacts: { ...out.artifacts, [field]: ref } };
  }
  return out;
}

/**
 * The cell with every referenced value back inline, for consumers that need the bytes (notebook and
 * HTML export). A value the store does not have becomes a text note instead of failing the export.
 */
export async function resolveCellOutputs(cell: Cell, scope: ArtifactScope | undefined): Promise<Cell> {
  if (!cell.result.results.some((o) => o.artifacts && Object.keys(o.artifacts).length)) return cell;
  const results: RichOutput[] = [];
  for (const output of cell.result.results) {
    if (!output.artifacts) {
      results.push(output);
      continue;
    }
    const { artifacts, ...rest } = output;
    const data = { ...rest.data };
    const missing: string[] = [];
    for (const [mime, ref] of Object.entries(artifacts)) {
      const bytes = scope ? await scope.store.get(scope.threadId, ref.sha256) : undefined;
      if (bytes) data[mime] = String(decode(bytes, ref));
      else missing.push(`[${mime} not available: artifact ${short(ref.sha256)} is not in ${scope ? "this thread's artifact store" : "any artifact store given"}]`);
    }
    if (missing.length && !data["text/plain"]) data["text/plain"] = missing.join("\n");
    results.push({ ...rest, data });
  }
  return { ...cell, result: { ...cell.result, results } };
}

export async function resolveCells(cells: Cell[], scope: ArtifactScope | undefined): Promise<Cell[]> {
  const out: Cell[] = [];
  for (const cell of cells) out.push(await resolveCellOutputs(cell, scope));
  return out;
}

/** The record exactly as the tool call happened (for replay). Throws when a referenced value is gone. */
export async function resolveToolCall(call: ToolCallRecord, scope: ArtifactScope | undefined): Promise<ToolCallRecord> {
  const artifacts = call.artifacts;
  if (!artifacts) return call;
  const out: Record<string, unknown> = { ...call };
  delete out.artifacts;
  for (const field of TOOL_FIELDS) {
    const ref = artifacts[field];
    if (!ref) continue;
    const bytes = scope ? await scope.store.get(scope.threadId, ref.sha256) : undefined;
    if (!bytes) throw new CodeActError("store", `the recorded ${field} of tool call ${call.name} (artifact ${short(ref.sha256)}) is not in this thread's artifact store`);
    out[field] = decode(bytes, ref);
  }
  return out as unknown as ToolCallRecord;
}
