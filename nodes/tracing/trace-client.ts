/**
 * The LangSmith client runs use. Left to its defaults (90 s per request, four retries with backoff,
 * a warning per failed batch and per server-info attempt), an endpoint that refuses connections or
 * never answers kept the CLI alive 25–120 s after a finished run and printed the same warning again
 * and again. Here every request is bounded, the first network failure switches tracing off for the
 * rest of the run with ONE warning, and the end of a run stops whatever is still in flight.
 */
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { getEnvironmentVariable } from "@langchain/core/utils/env";
import { Client } from "langsmith";
import { redactDeep } from "../../errors/redact";

/** A trace request longer than this is given up (traces are small; a live endpoint answers in well under it). */
const REQUEST_MS = Number(process.env.CODEACT_TRACE_REQUEST_MS ?? 5_000);
/**
 * Errors whose message starts with "AbortError" are never retried by the langsmith client: a stopped
 * sink fails every call at once instead of sleeping between retries.
 */
const STOPPED = "AbortError: LangSmith tracing stopped";

interface TraceSink {
  client: Client;
  stop: AbortController;
  broken?: string;
  /** Where the client sends: read from the environment when it was made. */
  endpoint: string;
}

let sink: TraceSink | undefined;

function endpoint(): string {
  return getEnvironmentVariable("LANGSMITH_ENDPOINT") || getEnvironmentVariable("LANGCHAIN_ENDPOINT") || "https://api.smith.langchain.com";
}

function breakSink(s: TraceSink, reason: string): void {
  if (s.broken) return;
  s.broken = reason;
  s.stop.abort();
  process.stderr.write(`codeact: LangSmith at ${endpoint()} is not taking traces (${reason}); tracing is off for the rest of this run, which is not affected.\n`);
}

/**
 * langsmith reports each failure with console.warn and offers no hook; those lines are folded into
 * the one warning above. Other warnings pass through untouched.
 */
function foldLangSmithWarnings(): void {
  const original = console.warn;
  console.warn = (...args: unknown[]) => {
    const first = typeof args[0] === "string" ? args[0] : "";
    const failure = first.startsWith("[LANGSMITH]: Failed to fetch info") || /\n\nContext: trace=/.test(first) || first.includes(STOPPED);
    // A failure of a sink already stopped (and dropped) was reported when it stopped.
    if (failure) return void (sink && breakSink(sink, first.split("\n")[0]!.replace(/^\[LANGSMITH\]: /, "").slice(0, 200)));
    original.apply(console, args);
  };
}

function createSink(): TraceSink {
  const stop = new AbortController();
  const s = { stop, endpoint: endpoint() } as TraceSink;
  const fetchImplementation = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    if (stop.signal.aborted) throw new Error(STOPPED);
    const signals = [stop.signal, AbortSignal.timeout(REQUEST_MS), ...(init?.signal ? [init.signal] : [])];
    try {
      return await fetch(input, { ...init, signal: AbortSignal.any(signals) });
    } catch (err) {
      const e = err as Error & { cause?: { code?: string; message?: string } };
      const reason = e.name === "TimeoutError" ? `no answer within ${REQUEST_MS / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
      breakSink(s, reason);
      throw new Error(STOPPED);
    }
  };
  // Traces leave the process: credentials inside URLs are masked as everywhere else.
  s.client = new Client({ fetchImplementation: fetchImplementation as typeof fetch, timeout_ms: REQUEST_MS, hideInputs: redactDeep, hideOutputs: redactDeep });
  return s;
}

let folded = false;

/** The tracer for a run's callbacks: LangChain then adds no tracer of its own (with default retries). */
export function runTracer(): LangChainTracer {
  if (!folded) {
    folded = true;
    foldLangSmithWarnings();
  }
  // A process whose LANGSMITH_ENDPOINT changed between runs (a server, tests) sends to the new one.
  if (sink?.endpoint !== endpoint()) sink = createSink();
  // A tracer per run (as LangChain makes one per call), all sending through the one bounded client.
  return new LangChainTracer({ client: sink.client });
}

/**
 * Waits for the run's traces to be sent, at most `timeoutMs`; then stops whatever is still pending so
 * nothing holds the process. The next run starts with a fresh client (an endpoint may come back).
 */
export async function flushSink(pending: Promise<unknown>, timeoutMs: number): Promise<void> {
  const s = sink;
  let timer: NodeJS.Timeout | undefined;
  const sent = Promise.all([pending, s?.broken ? undefined : s?.client.awaitPendingTraceBatches()]).catch(() => undefined);
  const done = await Promise.race([sent.then(() => true), new Promise<boolean>((r) => (timer = setTimeout(() => r(false), timeoutMs)))]);
  clearTimeout(timer);
  if (!s) return;
  if (!done) breakSink(s, `not all traces were sent within ${Math.round(timeoutMs / 1000)} s`);
  if (s.broken) {
    s.stop.abort();
    if (sink === s) sink = undefined;
  }
}
