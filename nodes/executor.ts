/** executor: runs the pending code action in the kernel and records it as a Cell. */
import { randomUUID } from "node:crypto";
import { interrupt, type LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Cell } from "../graphs/state/cell";
import { writerOf } from "../graphs/state/events";
import { ApprovalSchema, type ApprovalRequest, type CodeActStateValue, type CodeActUpdate } from "../graphs/state/state";
import { artifactScope, type NodeContext } from "./context";
import { divergenceNote, rehydrate, type RehydrationReport } from "./kernel/rehydrate";
import { type ArtifactScope, storeCellOutputs } from "../checkpoints/artifacts/cells";
import type { CodeExecutor } from "../executors/types";
import { formatObservation } from "./prompting/observation";
import { ensureInputs } from "./workspace/inputs";
import { answerWaitMs, CellQuestions, codeBeforeQuestion } from "./kernel/questions";
import { collectOutputs } from "./workspace/outputs";
import { currentCheckpointId, tracedExecute, tracingEnabled } from "./tracing/tracing";

/**
 * Kept per kernel, not per compiled graph (a server builds a graph per request around one kernel),
 * and forgotten when the executor starts a new kernel process (a restart from anywhere).
 */
interface KernelSync {
  syncedCellId?: string;
  used: boolean;
  generation?: number;
}
const synced = new WeakMap<CodeExecutor, KernelSync>();
function kernelSync(executor: CodeExecutor): KernelSync {
  let s = synced.get(executor);
  if (!s || (s.generation !== undefined && executor.generation !== undefined && s.generation !== executor.generation)) {
    synced.set(executor, (s = { used: false }));
  }
  return s;
}

/**
 * A rebuild started before the executor node needed it (see withKernelPrefetch): the cell it
 * rebuilds up to, on which kernel, and how it went. Taken (once) by the executor node.
 */
interface Prefetch {
  want: string | undefined;
  job: Promise<{ report: RehydrationReport; generation: number | undefined } | undefined>;
}
const prefetched = new WeakMap<CodeExecutor, Prefetch>();

/**
 * Wraps a node that runs before the first action of a turn or a resume (planner, coder): when this
 * executor's kernel is not yet at the state's last cell, it is started and rebuilt (inputs put,
 * cells replayed) while the model thinks, instead of after it. The executor node takes the result
 * and reports it as if it had rebuilt the kernel itself; it starts over when the state moved on.
 */
export function withKernelPrefetch<S extends Pick<CodeActStateValue, "cells" | "inputs">, R>(ctx: NodeContext, node: (state: S, config: LangGraphRunnableConfig) => Promise<R>) {
  return (state: S, config: LangGraphRunnableConfig): Promise<R> => {
    const k = kernelSync(ctx.executor);
    const want = state.cells.at(-1)?.id;
    // Only a kernel this process has not used yet: a used one is rebuilt by the node, after a restart.
    if (state.cells.length && !k.used && k.syncedCellId !== want && !prefetched.has(ctx.executor)) {
      const artifacts = artifactScope(ctx, config);
      const job = (async () => {
        await ensureInputs(ctx.executor, state.inputs, artifacts);
        const report = await rehydrate(ctx.executor, state.cells, ctx.tools, artifacts);
        return { report, generation: ctx.executor.generation };
      })().catch(() => undefined); // the executor node rebuilds again, and reports what fails then
      prefetched.set(ctx.executor, { want, job });
    }
    return node(state, config);
  };
}

/** Records that the executor's current kernel has run everything up to `cellId`. */
function markSynced(executor: CodeExecutor, cellId: string | undefined): void {
  synced.set(executor, { syncedCellId: cellId, used: true, generation: executor.generation });
}

export function executorNode(ctx: NodeContext) {
  let toolsInstalled: Promise<void> | undefined;
  /**
   * The last cell this kernel has run (or replayed). When the state's history ends elsewhere — a
   * resume in a new process, a fork from an older checkpoint, a kernel that died — the kernel is
   * rebuilt from the state's cells before the action runs (kernel rehydration), in this one place.
   */
  const sync = async (cells: Cell[], emit: ReturnType<typeof writerOf>, artifacts: ArtifactScope | undefined): Promise<string[]> => {
    const want = cells.at(-1)?.id;
    const early = prefetched.get(ctx.executor);
    prefetched.delete(ctx.executor);
    const done = early && (await early.job);
    let report = done && early.want === want && done.generation === ctx.executor.generation ? done.report : undefined;
    const k = kernelSync(ctx.executor);
    if (!report) {
      if (want === k.syncedCellId) return [];
      // A kernel that ran anything (cells, or a rebuild for another state) starts over.
      if (k.used || early) await ctx.executor.restart();
      report = await rehydrate(ctx.executor, cells, ctx.tools, artifacts);
    }
    emit({ type: "rehydrated", replayed: report.replayed, failed: report.failed.length, diverged: report.diverged, durationMs: report.durationMs });
    markSynced(ctx.executor, want);
    const note = divergenceNote(report.diverged);
    return note ? [note] : [];
  };
  return async (state: CodeActStateValue, config: LangGraphRunnableConfig): Promise<CodeActUpdate> => {
    // Taken first, before any await: ask_user() interrupts the run from within this node's context.
    const questions = new CellQuestions(config, state.currentStep);
    const nodeStartedAt = Date.now();
    const emit = writerOf(config);
    const artifacts = artifactScope(ctx, config);
    const action = state.pendingAction;
    if (action?.kind !== "code") throw new Error("executor reached without a code action (routing bug)");
    let code = action.code;
    let edited = false;
    const proposed = code;
    if (ctx.limits.approve) {
      // The run stops here until resumed with Command({ resume: Approval }); on resume the node
      // starts again and interrupt() returns the decision, so nothing below runs twice.
      const request: ApprovalRequest = { kind: "approve_code", step: state.currentStep, attempt: state.debugAttempts, code, thought: action.thought };
      const decision = ApprovalSchema.parse(interrupt(request));
      if (decision.action === "reject") {
        const why = decision.feedback ? `: ${decision.feedback}` : "";
        return { pendingAction: null, rejected: true, observation: `A person rejected your last action without running it${why}. Propose a different action.` };
      }
      if (decision.action === "edit") {
        edited = decision.code !== code;
        code = decision.code;
      }
    }
    // A resumed run whose first action was pending: it may have started before the run stopped (a
    // crash, a pause). It runs again from its start, so tool calls it made then run again: at-least-once.
    const notes: string[] = [];
    if (!kernelSync(ctx.executor).used && config.configurable?.__pregel_resuming === true && !ctx.limits.approve) {
      notes.push("This action was pending when the run stopped and ran again from its start on resume; tool calls it made before the stop (if any) ran again (at-least-once).");
    }
    // A rebuild started early swaps the stdin handler to its recordings: nothing may touch it meanwhile.
    await prefetched.get(ctx.executor)?.job;
    if (ctx.tools && ctx.executor.setStdinHandler) toolsInstalled ??= ctx.executor.start().then(() => ctx.executor.setStdinHandler!(ctx.tools));
    await toolsInstalled;
    // Before any replay: rebuilt cells read the same files the recorded ones did.
    await ensureInputs(ctx.executor, state.inputs, artifacts);
    notes.push(...(await sync(state.cells, emit, artifacts)));
    const startedAt = new Date().toISOString();
    const execute = tracedExecute((c, o) => ctx.executor.execute(c, o), {
      thread_id: config.configurable?.thread_id,
      checkpoint_id: tracingEnabled() ? await currentCheckpointId(config) : undefined,
      step: state.currentStep,
      attempt: state.debugAttempts,
      executor: ctx.executor.info.kind,
    });
    // A run paused meanwhile (Ctrl-C in a chat keeps the kernel): the action must not start behind its back.
    if (config.signal?.aborted) throw new Error("the run was paused before the action started");
    const generation = ctx.executor.generation;
    // ask_user() is answered for this cell only; a graph told there is nobody to ask (evaluation) leaves it unanswered.
    if (ctx.askUser !== false) ctx.tools?.answerQuestions(questions.answer);
    // delegate() names its children after this thread and this cell's position, so a rerun of the cell finds them.
    // Its children may wait for a person: the cell then stops like ask_user()'s (`people`).
    ctx.tools?.atCell({ threadId: String(config.configurable?.thread_id ?? "default"), cellIndex: state.cells.length, signal: config.signal, people: questions });
    let result;
    try {
      result = await execute(code, {
        timeoutMs: ctx.limits.cellTimeoutMs,
        onOutput: (event) => emit({ type: "output", event }),
      });
    } finally {
      ctx.tools?.answerQuestions(undefined);
      ctx.tools?.atCell(undefined);
    }
    // The cell stopped at a question nobody has answered yet: the run pauses here (the interrupt),
    // and this node runs again, the cell from its start, when the answer comes (nodes/kernel/questions.ts).
    if (questions.stop !== undefined) {
      if (questions.waitingFor) emit({ type: "question", question: questions.waitingFor.question, step: questions.waitingFor.step });
      if (questions.waitingChildren) emit({ type: "children_waiting", step: questions.waitingChildren.step, children: questions.waitingChildren.children });
      throw questions.stop;
    }
    let startedAfterWait: number | undefined;
    if (questions.rerun) {
      startedAfterWait = state.startedAt + (await answerWaitMs(config, nodeStartedAt, state.startedAt));
      // The question, not a stop of the run, made this action run again: the older note would mislead.
      const pending = notes.findIndex((n) => n.startsWith("This action was pending when the run stopped"));
      if (pending >= 0) notes.splice(pending, 1);
      if (codeBeforeQuestion(code)) {
        notes.push("This cell waited at ask_user() for the person's answer, then ran again from its start with it: code before the question ran more than once (tool calls too). Ask in a cell of its own.");
      }
    }
    // A dead kernel, or one the executor restarted because an interrupt did not stop a runaway cell,
    // is rebuilt at once from the earlier cells, so the agent can go on.
    if (!config.signal?.aborted) {
      if (result.status === "died") {
        markSynced(ctx.executor, "(died)");
        notes.push(...(await sync(state.cells, emit, artifacts)));
      } else if (ctx.executor.generation !== generation) {
        notes.push(...(await sync(state.cells, emit, artifacts)));
      }
    }
    const collected = config.signal?.aborted ? undefined : await collectOutputs(ctx.executor, state.cells, artifacts, emit);
    notes.push(...(collected?.notes ?? []));
    const cell: Cell = {
      id: randomUUID(),
      step: state.currentStep,
      attempt: state.debugAttempts,
      code,
      ...(edited ? { edited: true, proposed } : {}),
      ...(ctx.limits.approve ? { approved: true } : {}),
      result,
      ...(notes.length ? { notes } : {}),
      ...(questions.answers.length ? { answers: questions.answers } : {}),
      ...(collected?.files.length ? { files: collected.files } : {}),
      startedAt,
    };
    markSynced(ctx.executor, cell.id);
    // Live listeners get the bytes (the CLI saves plots from this event); the checkpoint gets references.
    emit({ type: "cell", cell });
    const kept = await storeCellOutputs(cell, artifacts);
    const failed = result.status !== "ok";
    const debugAttempts = failed ? state.debugAttempts + 1 : 0;
    if (failed && debugAttempts <= ctx.limits.maxDebugAttempts) {
      emit({ type: "self_debug", step: state.currentStep, attempt: debugAttempts, error: formatObservation(result, ctx.limits.observationChars).split("\n").filter(Boolean).pop() ?? result.status });
    }
    return {
      cells: kept,
      debugAttempts,
      pendingAction: null,
      rejected: false,
      observation: edited ? "A person edited your action before it ran; the code shown is what ran." : "",
      // The time spent waiting for the person's answer is not the agent's: the wall clock moves on by it.
      ...(startedAfterWait !== undefined ? { startedAt: startedAfterWait } : {}),
    };
  };
}
