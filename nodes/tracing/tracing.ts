/**
 * LangSmith: with the standard env (LANGSMITH_TRACING=true, LANGSMITH_API_KEY, LANGSMITH_ENDPOINT,
 * LANGSMITH_PROJECT) every node and model call is traced by LangChain; code executions are traced
 * here as their own runs (code in, outputs or error out) so bridge tool calls nest under them.
 * Tracing is off by default and never fails or stalls a run.
 */
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { getEnvironmentVariable } from "@langchain/core/utils/env";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { getCurrentRunTree, traceable } from "langsmith/traceable";
import { flushSink } from "./trace-client";
import type { ExecuteOptions, ExecutionResult } from "../../executors/types";

export function tracingEnabled(): boolean {
  const on = (v?: string) => v === "true" || v === "1";
  return on(getEnvironmentVariable("LANGSMITH_TRACING")) || on(getEnvironmentVariable("LANGCHAIN_TRACING_V2"));
}

/** Above this many characters a value is shown in a trace by its size (and start), not whole. */
const TRACE_VALUE_CHARS = 16 * 1024;

function bounded(value: unknown): unknown {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (text === undefined || text.length <= TRACE_VALUE_CHARS) return value;
  return `${text.slice(0, 1024)}… [${text.length} chars]`;
}

/** What a trace shows of a result: everything but image bytes and other large values. */
function summarize(result: ExecutionResult): Record<string, unknown> {
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    results: result.results.map((r) => ({
      ...Object.fromEntries(Object.entries(r.data).map(([m, v]) => [m, m.startsWith("image/") ? `[${m}, ${v.length} base64 chars]` : bounded(v)])),
      // Outputs already moved to the artifact store are named by reference.
      ...Object.fromEntries(Object.entries(r.artifacts ?? {}).map(([m, ref]) => [m, `[${m}, ${ref.bytes} bytes in artifact ${ref.sha256.slice(0, 12)}]`])),
    })),
    error: result.error,
    died: result.died,
    tool_calls: result.toolCalls.map((c) => ({ name: c.name, args: bounded(c.args), error: c.error === undefined ? undefined : bounded(c.error) })),
    duration_ms: Math.round(result.durationMs),
  };
}

export type Execute = (code: string, options: ExecuteOptions) => Promise<ExecutionResult>;

/** What made a cell fail, as the run's error: the exception, a timeout or the kernel's death. */
function cellError(result: ExecutionResult): string | undefined {
  if (result.status === "ok") return undefined;
  if (result.error) return `${result.error.ename}: ${result.error.evalue}`;
  if (result.died) return `the kernel died (${result.died.reason}${result.died.detail ? `: ${result.died.detail}` : ""})`;
  return `the cell ended with status ${result.status}`;
}

/**
 * Tool calls answered with an error before the tool ran: no such tool, a malformed request, or
 * arguments its schema refused (LangChain parses them before it starts the tool's run, so such a
 * call leaves no trace of its own).
 */
const REFUSED = /^(invalid arguments for |Received tool input did not match expected schema|malformed tool request|no tool named)/;

/** The refused calls of a cell as errored tool runs under its execute_code run. */
async function traceRefusedCalls(result: ExecutionResult): Promise<void> {
  const refused = result.toolCalls.filter((c) => c.error !== undefined && REFUSED.test(c.error) && !c.replayed);
  if (!refused.length) return;
  const parent = getCurrentRunTree(true);
  if (!parent) return;
  for (const call of refused) {
    const child = parent.createChild({ name: call.name, run_type: "tool", inputs: { args: bounded(call.args) } });
    await child.end(undefined, call.error);
    await child.postRun();
  }
}

/** Wraps a kernel execution as a LangSmith "tool" run named execute_code, when tracing is on. */
export function tracedExecute(execute: Execute, metadata: Record<string, unknown>): Execute {
  if (!tracingEnabled()) return execute;
  // One traceable per call: its single argument is exactly the run's inputs ({ code }); the
  // options (a live output callback) stay out of the trace.
  return (code, options) =>
    traceable(async (input: { code: string }) => {
      const result = await execute(input.code, options);
      await traceRefusedCalls(result);
      // A failed cell returns (the agent reads its error); its run is marked failed all the same.
      const error = cellError(result);
      const run = error ? getCurrentRunTree(true) : undefined;
      if (run) run.error = error;
      return result;
    }, {
      name: "execute_code",
      run_type: "tool",
      metadata,
      processOutputs: (outputs) => summarize(outputs as unknown as ExecutionResult),
    })({ code });
}

/**
 * The checkpoint this step started from (its writes attach to it): LangGraph does not hand it to
 * nodes, so it is read from the thread's checkpointer. Only used for trace metadata.
 */
export async function currentCheckpointId(config: { configurable?: Record<string, unknown> }): Promise<string | undefined> {
  const saver = config.configurable?.__pregel_checkpointer as BaseCheckpointSaver | undefined;
  const threadId = config.configurable?.thread_id;
  if (!saver || !threadId) return undefined;
  const tuple = await saver.getTuple({ configurable: { thread_id: threadId, checkpoint_ns: "" } }).catch(() => undefined);
  return tuple?.checkpoint.id;
}

/**
 * Sends queued traces, waiting at most `timeoutMs`, then stops what is left: an unreachable
 * endpoint must neither hold a run nor keep the process alive after it.
 */
export async function flushTraces(timeoutMs = 3000): Promise<void> {
  if (!tracingEnabled()) return;
  await flushSink(awaitAllCallbacks(), timeoutMs);
}
