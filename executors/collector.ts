/**
 * Turns the iopub messages of one execution into an ExecutionResult, with bounded memory: stream
 * text beyond the limit keeps only its head and tail, so a cell that prints 100 MB costs the host
 * a few hundred KB. Shared by every executor, because iopub content is the same whatever carried it.
 */
import stripAnsi from "strip-ansi";
import { RichBudget } from "./rich-budget";
import type { ExecutionError, ExecutionResult, OutputEvent, RichOutput, ToolCallRecord } from "./types";

/** MIME types kept from display_data/execute_result; everything else (widgets, …) is dropped. */
const KEPT_MIME = new Set([
  "text/plain",
  "text/html",
  "text/markdown",
  "text/latex",
  "image/png",
  "image/jpeg",
  "image/svg+xml",
  "application/json",
]);
/** Written by executors/python/output_guard.py when it cut a stream inside the kernel. */
const SANDBOX_MARKER = /\.\.\. \[\d+ characters truncated in the sandbox\] \.\.\./;
const MARKER_SLACK = 200;
/** Binary images are capped separately from text: a plot is worth keeping whole. */
const MAX_IMAGE_CHARS = 8 * 1024 * 1024;

/** Keeps the first and last `limit/2` characters of everything appended, and counts the rest. */
export class HeadTailBuffer {
  private head = "";
  private tail: string[] = [];
  private tailLength = 0;
  private dropped = 0;
  private readonly half: number;

  constructor(readonly limit: number) {
    this.half = Math.max(1, Math.floor(limit / 2));
  }

  append(text: string): void {
    if (this.head.length < this.half) {
      const room = this.half - this.head.length;
      this.head += text.slice(0, room);
      text = text.slice(room);
      if (!text) return;
    }
    this.tail.push(text);
    this.tailLength += text.length;
    while (this.tailLength > this.half) {
      const excess = this.tailLength - this.half;
      const first = this.tail[0]!;
      if (first.length <= excess) {
        this.tail.shift();
        this.tailLength -= first.length;
        this.dropped += first.length;
      } else {
        this.tail[0] = first.slice(excess);
        this.tailLength -= excess;
        this.dropped += excess;
      }
    }
  }

  get truncated(): boolean {
    return this.dropped > 0;
  }

  clear(): void {
    this.head = "";
    this.tail = [];
    this.tailLength = 0;
    this.dropped = 0;
  }

  toString(): string {
    const tail = this.tail.join("");
    if (!this.dropped) return this.head + tail;
    return `${this.head}\n… [${this.dropped} characters truncated] …\n${tail}`;
  }
}

function textOf(value: unknown): string {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.join("");
  return JSON.stringify(value);
}

function keepMime(data: Record<string, unknown>, limit: number): { data: Record<string, string>; cut: boolean } {
  const out: Record<string, string> = {};
  let cut = false;
  for (const [mime, value] of Object.entries(data)) {
    if (!KEPT_MIME.has(mime)) continue;
    let text = textOf(value);
    const cap = mime.startsWith("image/") && mime !== "image/svg+xml" ? MAX_IMAGE_CHARS : limit;
    if (text.length > cap) {
      if (mime.startsWith("image/")) {
        cut = true;
        continue;
      }
      const buf = new HeadTailBuffer(cap);
      buf.append(text);
      text = buf.toString();
      cut = true;
    }
    out[mime] = text;
  }
  return { data: out, cut };
}

export interface CollectorMessage {
  header: { msg_type: string };
  content: Record<string, unknown>;
  metadata?: Record<string, unknown>;
}

export class OutputCollector {
  private readonly stdout: HeadTailBuffer;
  private readonly stderr: HeadTailBuffer;
  private results: RichOutput[] = [];
  private error: ExecutionError | undefined;
  private executionCount: number | undefined;
  private clearPending = false;
  private cut = false;
  /** Figures and display bytes per cell: outputs past it are dropped as they arrive, never held. */
  private readonly rich = new RichBudget();
  readonly toolCalls: ToolCallRecord[] = [];

  constructor(
    private readonly limit: number,
    private readonly onOutput?: (event: OutputEvent) => void,
  ) {
    // Slack for the sandbox's own truncation marker, so text already cut there is not cut twice.
    this.stdout = new HeadTailBuffer(limit + MARKER_SLACK);
    this.stderr = new HeadTailBuffer(limit + MARKER_SLACK);
  }

  /** Feeds one iopub message; returns true when it is the `idle` status that ends the execution. */
  handle(msg: CollectorMessage): boolean {
    const c = msg.content;
    switch (msg.header.msg_type) {
      case "status":
        return c.execution_state === "idle";
      case "stream": {
        this.flushClear();
        const name = c.name === "stderr" ? "stderr" : "stdout";
        const text = textOf(c.text);
        (name === "stderr" ? this.stderr : this.stdout).append(text);
        if (SANDBOX_MARKER.test(text)) this.cut = true;
        this.onOutput?.({ type: "stream", name, text });
        return false;
      }
      case "execute_result":
      case "display_data": {
        this.flushClear();
        const { data, cut } = keepMime((c.data ?? {}) as Record<string, unknown>, this.limit);
        this.cut ||= cut;
        if (Object.keys(data).length === 0) return false;
        if (!this.rich.admit(data)) {
          this.cut = true;
          return false;
        }
        const output: RichOutput = { kind: msg.header.msg_type as RichOutput["kind"], data };
        if (c.metadata && Object.keys(c.metadata as object).length) output.metadata = c.metadata as Record<string, unknown>;
        this.results.push(output);
        if (typeof c.execution_count === "number") this.executionCount = c.execution_count;
        this.onOutput?.({ type: "rich", output });
        return false;
      }
      case "error":
        this.error = {
          ename: String(c.ename ?? "Error"),
          evalue: String(c.evalue ?? ""),
          traceback: ((c.traceback as string[] | undefined) ?? []).map((line) => stripAnsi(line)),
        };
        return false;
      case "clear_output":
        if (c.wait) this.clearPending = true;
        else this.clearAll();
        return false;
      case "execute_input":
        if (typeof c.execution_count === "number") this.executionCount = c.execution_count;
        return false;
      default:
        return false;
    }
  }

  recordToolCall(call: ToolCallRecord): void {
    this.toolCalls.push(call);
    this.onOutput?.({ type: "tool_call", call });
  }

  private flushClear(): void {
    if (this.clearPending) this.clearAll();
  }

  private clearAll(): void {
    this.clearPending = false;
    this.stdout.clear();
    this.stderr.clear();
    this.results = [];
    this.rich.reset();
  }

  /** Error content from an execute_reply, used when iopub's error message did not arrive. */
  noteReplyError(content: Record<string, unknown>): void {
    if (this.error || content.status !== "error") return;
    this.handle({ header: { msg_type: "error" }, content });
  }

  get hasError(): boolean {
    return this.error !== undefined;
  }

  finish(parts: Pick<ExecutionResult, "status" | "durationMs"> & Partial<Pick<ExecutionResult, "died" | "error">>): ExecutionResult {
    const result: ExecutionResult = {
      status: parts.status,
      stdout: this.stdout.toString(),
      stderr: this.stderr.toString(),
      results: this.rich.withNote(this.results),
      toolCalls: this.toolCalls,
      durationMs: parts.durationMs,
      truncated: this.cut || this.stdout.truncated || this.stderr.truncated,
    };
    const error = parts.error ?? this.error;
    if (error) result.error = error;
    if (parts.died) result.died = parts.died;
    if (this.executionCount !== undefined) result.executionCount = this.executionCount;
    return result;
  }
}
