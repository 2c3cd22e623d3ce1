/**
 * The one interface every kernel backend implements. The graph, the pool and the benchmarks only
 * ever see `CodeExecutor`; Docker, local and remote kernels differ in how a kernel is started and
 * reached, never in what a cell returns.
 */
import { z } from "zod";
import type { ExecutorKind as RequestedKind } from "./kind";
import { CodeActError, type NextStep } from "../errors";

export const ExecutionStatusSchema = z.enum(["ok", "error", "timeout", "died"]);
export type ExecutionStatus = z.infer<typeof ExecutionStatusSchema>;

/** A Python exception as the kernel reported it, traceback already free of ANSI colour codes. */
export const ExecutionErrorSchema = z.object({
  ename: z.string(),
  evalue: z.string(),
  traceback: z.array(z.string()),
});
export type ExecutionError = z.infer<typeof ExecutionErrorSchema>;

/**
 * Where a large value went: the artifact store (checkpoints/artifacts/), content-addressed by the
 * sha256 of the stored bytes. `encoding` says how to turn those bytes back into the exact value:
 * "base64" (binary images, stored decoded), "utf8" (text), "json" (a JSON value, stored as its text).
 */
export const ArtifactRefSchema = z.object({
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  encoding: z.enum(["base64", "utf8", "json"]),
});
export type ArtifactRef = z.infer<typeof ArtifactRefSchema>;

/**
 * A display_data / execute_result output. `data` keeps only the MIME types we render
 * (text/plain, text/html, text/markdown, image/png, image/svg+xml, image/jpeg, application/json).
 * A large value is moved to the artifact store before the cell is checkpointed: its MIME type then
 * leaves `data` and appears in `artifacts`. Cells written before the store existed have only `data`.
 */
export const RichOutputSchema = z.object({
  kind: z.enum(["execute_result", "display_data"]),
  data: z.record(z.string(), z.string()),
  metadata: z.record(z.string(), z.unknown()).optional(),
  artifacts: z.record(z.string(), ArtifactRefSchema).optional(),
});
export type RichOutput = z.infer<typeof RichOutputSchema>;

/** One call from Python into a host (TypeScript) tool, with what it returned. */
export const ToolCallRecordSchema = z.object({
  id: z.string(),
  name: z.string(),
  args: z.unknown(),
  /** JSON-serialisable result; absent when the tool threw. */
  result: z.unknown().optional(),
  error: z.string().optional(),
  durationMs: z.number(),
  /** True when the answer came from a recording (kernel rehydration) instead of running the tool. */
  replayed: z.boolean().optional(),
  /**
   * Large args/result/error moved to the artifact store: the field then holds a short preview
   * string, and replay reads the exact value back from the store.
   */
  artifacts: z.object({ args: ArtifactRefSchema, result: ArtifactRefSchema, error: ArtifactRefSchema }).partial().optional(),
});
export type ToolCallRecord = z.infer<typeof ToolCallRecordSchema>;

export const DeathReasonSchema = z.enum(["oom", "exited", "heartbeat", "unknown"]);
export type DeathReason = z.infer<typeof DeathReasonSchema>;

export const ExecutionResultSchema = z.object({
  status: ExecutionStatusSchema,
  stdout: z.string(),
  stderr: z.string(),
  results: z.array(RichOutputSchema),
  error: ExecutionErrorSchema.optional(),
  /** Set when status is "died": why the kernel is gone, and what the engine said. */
  died: z.object({ reason: DeathReasonSchema, detail: z.string() }).optional(),
  toolCalls: z.array(ToolCallRecordSchema),
  durationMs: z.number(),
  /** True when stdout/stderr were cut to the output limit (head and tail kept, marker between). */
  truncated: z.boolean(),
  executionCount: z.number().optional(),
});
export type ExecutionResult = z.infer<typeof ExecutionResultSchema>;

/** Streamed while a cell runs, for live progress (CLI, LangGraph custom stream). */
export type OutputEvent =
  | { type: "stream"; name: "stdout" | "stderr"; text: string }
  | { type: "rich"; output: RichOutput }
  | { type: "tool_call"; call: ToolCallRecord };

export interface ExecuteOptions {
  /** Wall-clock limit for this cell; on expiry the kernel is interrupted and status is "timeout". */
  timeoutMs?: number;
  onOutput?: (event: OutputEvent) => void;
}

/** A built executor's kind: by then "auto" has become "docker". */
export type ExecutorKind = Exclude<RequestedKind, "auto">;

export interface ExecutorInfo {
  kind: ExecutorKind;
  /** False for the local kernel: code runs with the host user's rights. */
  sandboxed: boolean;
  /** Human-readable description: image and container id, pid, or server URL and kernel id. */
  description: string;
}

/**
 * Answers `input()` requests that the Python tool stubs send over the stdin channel. Kept as an
 * interface here so executors do not depend on LangChain; `tools/bridge.ts` implements it.
 */
export interface StdinHandler {
  /** Python source run once after every kernel (re)start: tool stubs, output guard. */
  prelude(): string;
  /** Returns the string to send back as `input_reply`, plus a record when it was a tool call. */
  handleInput(prompt: string, password: boolean): Promise<{ reply: string; record?: ToolCallRecord }>;
}

export interface CodeExecutor {
  readonly id: string;
  readonly info: ExecutorInfo;
  /** Increases every time a new kernel process starts: its Python state is then empty. */
  readonly generation?: number;
  /** Starts the kernel and runs the prelude; resolves once a cell can run. Idempotent. */
  start(): Promise<void>;
  execute(code: string, options?: ExecuteOptions): Promise<ExecutionResult>;
  /** Interrupts the running cell (KeyboardInterrupt in Python); the kernel's state survives. */
  interrupt(): Promise<void>;
  /** A fresh kernel: all Python state is gone, the prelude runs again. */
  restart(): Promise<void>;
  /** Stops the kernel and frees everything it held (container, sockets, temp files). Idempotent. */
  shutdown(): Promise<void>;
  /** Replaces the stdin handler (tools) for subsequent cells; the prelude is run now if started. */
  setStdinHandler?(handler: StdinHandler | undefined): Promise<void>;
  /**
   * Copies files into `/workspace/inputs/` (the kernel's working directory's `inputs/`), read-only to
   * the kernel's code. Names are relative paths checked by executors/workspace/inputs.ts. A file of the same
   * name replaces the earlier one; the files stay through kernel restarts of this executor.
   */
  putInputs(files: { name: string; data: Buffer }[]): Promise<void>;
  /**
   * The regular files under /workspace/outputs/ (the kernel's `outputs/` folder), paths relative to
   * it; symlinks are neither listed nor followed. [] when no kernel runs or the folder is absent.
   */
  listOutputs(): Promise<{ path: string; size: number; mtimeMs: number }[]>;
  /** One of those files' bytes; throws (OutputTooLargeError) rather than read past `maxBytes`. */
  readOutput(path: string, maxBytes: number): Promise<Buffer>;
  /** A file anywhere under /workspace (path relative to it), by the same rules: for files the answer names. */
  readWorkspaceFile?(path: string, maxBytes: number): Promise<Buffer>;
}

/** Thrown (never returned) when an executor cannot start or reach its kernel at all. */
export class ExecutorUnavailableError extends CodeActError {
  declare readonly hint: string;
  constructor(message: string, hint: string, step?: NextStep) {
    super("sandbox", message, { hint, separator: "\n", step });
    this.name = "ExecutorUnavailableError";
  }
}
