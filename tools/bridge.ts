/**
 * The host side of the tool bridge: the Python prelude with one stub per LangChain tool, and the
 * stdin handler that runs a tool when a stub asks. Every call is recorded; `withReplay` answers
 * from recordings instead, so kernel rehydration never runs a tool (or its side effects) twice.
 */
import { randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type StructuredToolInterface, ToolInputParsingException } from "@langchain/core/tools";
import { z } from "zod";
import type { StdinHandler, ToolCallRecord } from "../executors/types";
import { boundedQuestion } from "../graphs/state/question";
import type { ChildrenWaiting, WaitingChild } from "../graphs/state/waiting";
import { renameNote } from "./names";
import { type ToolEntry, ToolRegistry } from "./registry";
import { pythonParams, pythonStub } from "./schema-to-python";
import { argumentProblems } from "./arg-errors";

/** Marks an input() prompt as a tool request; anything else is a plain input() from user code. */
export const TOOL_PREFIX = "\u001ecodeact-tool\u001e";

/** Marks an input() prompt as an ask_user() question (tools/prelude.py). */
export const QUESTION_PREFIX = "\u001ecodeact-ask\u001e";

/**
 * How the host answers ask_user(): the answer; `pending` when the run must first stop and wait for
 * a person (the cell then ends with QuestionPending and runs again once answered); an error raised
 * in Python as a ToolError.
 */
export type QuestionReply = { answer: string } | { pending: true } | { error: string };
export type QuestionAnswerer = (question: string) => QuestionReply;
/** A question asked and answered in a cell, as recorded in `Cell.answers`. */
export interface RecordedAnswer {
  question: string;
  answer: string;
}

const QuestionSchema = z.object({ question: z.string() });

/**
 * The request name delegate()/delegate_all() send (tools/prelude.py). No LangChain tool can take it
 * (the colon): it is answered by the run's Delegator, and recorded and replayed like any tool call,
 * so a rebuilt kernel gets a finished delegation's results without running a child again.
 */
export const DELEGATE_CALL = "codeact:delegate";

/** Where a delegation is made from: the parent's thread, the cell's index in it, the run's pause signal. */
export interface CellScope {
  threadId: string;
  cellIndex: number;
  signal?: AbortSignal;
  /** Children this cell has delegated so far: the next one's index (the same on a rerun of the cell). */
  delegated?: number;
  /** The people behind the cell (its node's interrupts); absent: nobody can be waited for. */
  people?: CellPeople;
}

/**
 * What delegate() needs from the node running the cell when children wait for a person
 * (nodes/kernel/questions.ts): the answers given for them so far, and a way to stop the cell so the
 * run waits for the rest (the cell then ends like ask_user()'s and runs again once answered).
 */
export interface CellPeople {
  /**
   * Answers for waiting children given by the resumes of this action: keyed by a child's interrupt
   * id (every resume), and by its thread id (only the latest resume: it answers the listing just shown).
   */
  childAnswers(): { byInterrupt: Map<string, unknown>; byThread: Map<string, unknown> };
  /** Stops the cell, the run waiting for these children (the interrupt's value is returned); undefined when this run cannot wait (no checkpointer). */
  waitForChildren(children: WaitingChild[]): ChildrenWaiting | undefined;
}

/** Thrown by a Delegator whose children wait for a person: the cell stops (Python's QuestionPending). */
export class DelegationPending extends Error {
  constructor(readonly waiting: ChildrenWaiting) {
    super(`${waiting.children.length} sub-agent(s) wait for a person`);
    this.name = "DelegationPending";
  }
}

/** Runs sub-agents for delegate()/delegate_all() (graphs/agents/delegator.ts). */
export interface Delegator {
  /** The agents the coder may name, for its prompt. */
  agents(): { name: string; description: string }[];
  /** Runs the children the request names; the result is the JSON the Python side turns into Results. */
  delegate(args: Record<string, unknown>, scope: CellScope): Promise<unknown>;
}

const RequestSchema = z.object({ name: z.string(), args: z.record(z.string(), z.unknown()).default({}) });

const TEMPLATE = readFileSync(join(__dirname, "prelude.py"), "utf8");
/** The kernel side of MCP content, resources and prompts: only in kernels with MCP tools. */
const MCP_PRELUDE = readFileSync(join(__dirname, "prelude-mcp.py"), "utf8");

/** What an MCP tool's stub says it returns (help() shows it). */
const MCP_RETURNS = [
  "    str for text, a dict for structured content; for images, audio, embedded resources and",
  "    resource links McpImage / McpAudio / McpResource / McpResourceLink objects (.data is bytes;",
  "    McpResourceLink.read() reads it); a list when the result has several parts. Images are also",
  "    shown as figures in the cell.",
];

type Reply = { ok: true; result: unknown } | { ok: false; error: string; pending?: true };
type QuestionEnvelope = { ok: true; result: string } | { ok: false; pending: true } | { ok: false; error: string };

function envelope(reply: QuestionReply): QuestionEnvelope {
  if ("answer" in reply) return { ok: true, result: reply.answer };
  if ("pending" in reply) return { ok: false, pending: true };
  return { ok: false, error: reply.error };
}

/** JSON-safe form of whatever a tool returned. */
function jsonSafe(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || value === null) return value;
  try {
    return JSON.parse(JSON.stringify(value)) as unknown;
  } catch {
    return String(value);
  }
}

function parseRequest(prompt: string): z.infer<typeof RequestSchema> | { invalid: string } {
  try {
    const parsed = RequestSchema.safeParse(JSON.parse(prompt.slice(TOOL_PREFIX.length)));
    return parsed.success ? parsed.data : { invalid: parsed.error.message };
  } catch (err) {
    return { invalid: (err as Error).message };
  }
}

abstract class BridgeBase implements StdinHandler {
  constructor(protected readonly registry: ToolRegistry) {}

  private preludeSource: string | undefined;

  prelude(): string {
    this.preludeSource ??= this.renderPrelude();
    return this.preludeSource;
  }

  private renderPrelude(): string {
    const entries = this.registry.entries();
    const mcp = entries.some((e) => e.mcpServer !== undefined || e.helper);
    const stubs = entries
      .filter((e) => !e.helper)
      .map((e) =>
        pythonStub({
          toolName: e.callName,
          pythonName: e.pythonName,
          description: e.tool.description,
          schema: e.schema,
          ...(e.mcpServer !== undefined ? { caller: "_codeact_mcp_call", returns: MCP_RETURNS } : {}),
        }),
      );
    // Replaced by functions, not strings: a "$&" in a tool's description must stay as written.
    return TEMPLATE.replace("__PREFIX__", () => JSON.stringify(TOOL_PREFIX))
      .replace("__QUESTION_PREFIX__", () => JSON.stringify(QUESTION_PREFIX))
      .replace("__DELEGATE__", () => JSON.stringify(DELEGATE_CALL))
      .replace("__SIGNATURES__", () => JSON.stringify(this.signatures()))
      .replace("__STUBS__", () => [...(mcp ? [MCP_PRELUDE] : []), ...stubs].join("\n\n"));
  }

  /** One line per tool, `name(params) — summary`, for prompts that tell the model what it can call (and a renamed tool's note). */
  signatures(): string[] {
    return this.registry.entries().map((e) => signatureLine(e));
  }

  async handleInput(prompt: string): Promise<{ reply: string; record?: ToolCallRecord }> {
    if (prompt.startsWith(QUESTION_PREFIX)) {
      let parsed;
      try {
        parsed = QuestionSchema.safeParse(JSON.parse(prompt.slice(QUESTION_PREFIX.length)));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) return { reply: JSON.stringify({ ok: false, error: "malformed ask_user request" } satisfies QuestionEnvelope) };
      return { reply: JSON.stringify(envelope(this.question(boundedQuestion(parsed.data.question)))) };
    }
    // input() from user code: there is no person at this stdin. An empty line, as from a closed terminal.
    if (!prompt.startsWith(TOOL_PREFIX)) return { reply: "" };
    const started = performance.now();
    const request = parseRequest(prompt);
    if ("invalid" in request) {
      return { reply: JSON.stringify({ ok: false, error: `malformed tool request: ${request.invalid}` } satisfies Reply) };
    }
    const { reply, replayed } = await this.answer(request.name, request.args);
    const record: ToolCallRecord = { id: randomUUID(), name: request.name, args: request.args, durationMs: performance.now() - started };
    if (reply.ok) record.result = reply.result;
    else record.error = reply.error;
    if (replayed) record.replayed = true;
    return { reply: JSON.stringify(reply), record };
  }

  protected abstract answer(name: string, args: Record<string, unknown>): Promise<{ reply: Reply; replayed?: boolean }>;

  /** Answers an ask_user() question (already bounded). */
  protected abstract question(question: string): QuestionReply;
}

function signatureLine(entry: ToolEntry): string {
  if (entry.helper) return entry.tool.description;
  const params = pythonParams(entry.schema);
  const args = params.map((p) => `${p.name}: ${p.display}${p.required ? "" : " = None"}`).join(", ");
  const summary = entry.tool.description.trim().split("\n")[0] ?? "";
  return `${entry.pythonName}(${args}) — ${summary}${entry.rename ? ` ${renameNote(entry.rename)}` : ""}`;
}

/** Arguments the tool's schema refuses, named field by field (LangChain's own message names none). */
function invalidArguments(entry: ToolEntry, args: Record<string, unknown>, err: Error): string {
  const names = new Map(pythonParams(entry.schema).map((p) => [p.wire, p.name]));
  const problems = argumentProblems(entry.schema, args, (wire) => names.get(wire) ?? wire);
  return problems ? `invalid arguments for ${entry.pythonName}(): ${problems}` : err.message;
}

/** Runs the real tools. */
export class ToolBridge extends BridgeBase {
  constructor(tools: StructuredToolInterface[] | ToolRegistry) {
    super(tools instanceof ToolRegistry ? tools : new ToolRegistry(tools));
  }

  get tools(): StructuredToolInterface[] {
    return this.registry.entries().map((e) => e.tool);
  }

  private answerer: QuestionAnswerer | undefined;
  private delegator: Delegator | undefined;
  private scope: CellScope | undefined;

  /** Who runs delegate() calls; without one, delegate() raises a ToolError saying sub-agents are off. */
  delegateWith(delegator: Delegator | undefined): this {
    this.delegator = delegator;
    return this;
  }

  get delegation(): Delegator | undefined {
    return this.delegator;
  }

  /** The cell that runs from now on (set by the executor node around each cell): names its children. */
  atCell(scope: CellScope | undefined): void {
    this.scope = scope;
  }

  /**
   * Who answers ask_user() for the cells that run from now on (the executor node, one cell at a
   * time); undefined: nobody, so ask_user() raises a ToolError saying there is no person to ask.
   */
  answerQuestions(answerer: QuestionAnswerer | undefined): void {
    this.answerer = answerer;
  }

  protected question(question: string): QuestionReply {
    if (this.answerer) return this.answerer(question);
    return { error: `nobody can answer ask_user(${JSON.stringify(question.slice(0, 80))}) in this run (no person is attached to it): decide without asking` };
  }

  protected async answer(name: string, args: Record<string, unknown>): Promise<{ reply: Reply }> {
    if (name === DELEGATE_CALL) return { reply: await this.runDelegation(args) };
    const entry = this.registry.byToolName(name);
    if (!entry) return { reply: { ok: false, error: `no tool named "${name}"; call list_tools() to see what exists` } };
    try {
      // invoke() validates args against the tool's own schema and throws a readable error when they don't fit.
      return { reply: { ok: true, result: jsonSafe(await entry.tool.invoke(args)) } };
    } catch (err) {
      if (err instanceof ToolInputParsingException || (err as Error)?.name === "ToolInputParsingException") return { reply: { ok: false, error: invalidArguments(entry, args, err as Error) } };
      return { reply: { ok: false, error: err instanceof Error ? err.message : String(err) } };
    }
  }

  private async runDelegation(args: Record<string, unknown>): Promise<Reply> {
    if (!this.delegator) return { ok: false, error: "sub-agents are not enabled in this run: do the work here instead of calling delegate()" };
    if (!this.scope) return { ok: false, error: "delegate() can only run inside one of the agent's cells" };
    try {
      return { ok: true, result: jsonSafe(await this.delegator.delegate(args, this.scope)) };
    } catch (err) {
      if (err instanceof DelegationPending) return { ok: false, pending: true, error: err.message };
      return { ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  /**
   * A handler with the same stubs that answers, in order, from recorded calls (no tool runs).
   * `resolve` gives a record's exact args/result back when large ones were moved to the artifact
   * store; it is called one record at a time, as the replay reaches it.
   */
  withReplay(records: ToolCallRecord[], resolve?: RecordResolver, answers: RecordedAnswer[] = []): ReplayBridge {
    return new ReplayBridge(this.registry, records, resolve, answers);
  }
}

/** Arguments can be megabytes: an error message shows their start. */
const preview = (json: string) => (json.length > 300 ? `${json.slice(0, 300)}… (${json.length} chars)` : json);

export type RecordResolver = (record: ToolCallRecord) => Promise<ToolCallRecord>;

/**
 * Answers tool calls and ask_user() questions from recordings, in order; a call or question that
 * differs from the recording is refused. Nobody is ever asked again.
 */
export class ReplayBridge extends BridgeBase {
  private next = 0;
  private nextAnswer = 0;

  constructor(
    registry: ToolRegistry,
    private readonly records: ToolCallRecord[],
    private readonly resolve: RecordResolver = async (r) => r,
    private readonly answers: RecordedAnswer[] = [],
  ) {
    super(registry);
  }

  protected question(question: string): QuestionReply {
    const rec = this.answers[this.nextAnswer];
    if (!rec || rec.question !== question) {
      const expected = rec ? `ask_user(${JSON.stringify(preview(rec.question))})` : "no further question";
      return { error: `replay diverged: the recording has ${expected} here, the code asked ${JSON.stringify(preview(question))}; a rebuilt kernel never asks the person again` };
    }
    this.nextAnswer++;
    return { answer: rec.answer };
  }

  /** Recorded calls not yet replayed. */
  get remaining(): number {
    return this.records.length - this.next;
  }

  protected async answer(name: string, args: Record<string, unknown>): Promise<{ reply: Reply; replayed: true }> {
    let rec = this.records[this.next];
    if (rec) {
      try {
        rec = await this.resolve(rec);
      } catch (err) {
        return { reply: { ok: false, error: `replay failed: ${(err as Error).message}` }, replayed: true };
      }
    }
    const called = JSON.stringify(args);
    const recorded = rec ? JSON.stringify(rec.args) : undefined;
    if (!rec || rec.name !== name || recorded !== called) {
      const expected = rec ? `${rec.name}(${preview(recorded!)})` : "no further call";
      return { reply: { ok: false, error: `replay diverged: the recording has ${expected} here, the code called ${name}(${preview(called)})` }, replayed: true };
    }
    this.next++;
    const reply: Reply = rec.error !== undefined ? { ok: false, error: rec.error } : { ok: true, result: rec.result ?? null };
    return { reply, replayed: true };
  }
}
