/** The text the coder sees of an execution: outputs or the traceback, cut to a budget (head and tail kept). */
import { outputMimes } from "../../checkpoints/artifacts/cells";
import { HeadTailBuffer } from "../../executors/collector";
import type { ExecutionResult } from "../../executors/types";

export function formatObservation(result: ExecutionResult, limit: number): string {
  const parts: string[] = [];
  if (result.stdout) parts.push(result.stdout.trimEnd());
  if (result.stderr) parts.push(`[stderr]\n${result.stderr.trimEnd()}`);
  for (const r of result.results) {
    // A large output may be in the artifact store: what it was is in its MIME types, inline or not.
    const mimes = outputMimes(r);
    if (mimes.some((m) => m.startsWith("image/"))) parts.push("[a figure was displayed]");
    else if (r.data["text/plain"]) parts.push(r.kind === "execute_result" ? `Out: ${r.data["text/plain"]}` : r.data["text/plain"]);
    else if (mimes.includes("text/html")) parts.push("[HTML output]");
  }
  for (const call of result.toolCalls) {
    if (call.error) parts.push(`[tool ${call.name} failed: ${call.error}]`);
  }
  if (result.status === "error" && result.error) {
    const tb = result.error.traceback.join("\n").trim();
    parts.push(tb || `${result.error.ename}: ${result.error.evalue}`);
  }
  if (result.status === "timeout") parts.push(`TimeoutError: ${result.error?.evalue ?? "the cell ran too long"}`);
  if (result.status === "died") {
    parts.push(`The kernel died (${result.died?.reason ?? "unknown"}: ${result.died?.detail ?? ""}). A fresh kernel was started and the earlier successful actions were replayed, so their variables are back; whatever this action did is gone.`);
  }
  const text = parts.join("\n") || (result.status === "ok" ? "[no output]" : `[${result.status}]`);
  const buf = new HeadTailBuffer(limit);
  buf.append(text);
  return buf.toString();
}
