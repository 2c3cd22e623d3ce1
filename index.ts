/** codeact's library surface. */

/**
 * The agent graph (planner → coder → executor → critic, with the self-debug edge), and
 * `threadGraph`: the same graph with no models or kernel, for reading a thread's state.
 *
 * @example
 * ```ts
 * const graph = createCodeActGraph({ models: createRoleModels(), executor, checkpointer: store.saver });
 * const state = await (threadGraph(store.saver)).getState({ configurable: { thread_id: "squares" } });
 * ```
 */
export { createCodeActGraph, threadGraph } from "./graphs/codeact";
/**
 * The graph's conditional edges, for callers who assemble their own graph from the nodes.
 *
 * @example
 * ```ts
 * routeAfterCoder(state); // "executor" | "critic" | "coder" | END
 * ```
 */
export { routeAfterCoder, routeAfterCritic, routeAfterExecutor } from "./graphs/routing";
export type { CodeActGraph, CodeActGraphOptions } from "./graphs/codeact";
/**
 * A CodeAct agent as one node of your own StateGraph: a subgraph on your workflow's checkpointer, so
 * its pauses, questions and crashes are your workflow's (examples/research-workflow.ts).
 *
 * @example
 * ```ts
 * const analyst = createCodeActGraph({ models, executor }); // no checkpointer of its own
 * builder.addNode("analyst", codeActNode(analyst, { task: (s) => s.question, update: (r) => ({ analysis: r.answer }) }));
 * ```
 */
export { codeActNode } from "./graphs/subgraph";
export type { CodeActNodeOptions } from "./graphs/subgraph";
/**
 * `runCodeAct` runs a task, a follow-up (`task` on an ended thread) or a resume (`null`) to its end
 * or its next pause. It throws `TurnInProgressError` for a follow-up on a turn not yet ended and
 * `NotWaitingError` for an answer no question waits for (both code `conflict`).
 *
 * @example
 * ```ts
 * const state = await runCodeAct(graph, "What is the mean of the squares of 1..10?", { threadId: "squares" });
 * if (state.awaitingAnswer) await runCodeAct(graph, null, { threadId: "squares", answer: "42" });
 * ```
 */
export { NotWaitingError, runCodeAct, TurnInProgressError } from "./graphs/run";
/**
 * A thread's turns (request, answer, cells) and the request the current turn works on.
 *
 * @example
 * ```ts
 * for (const turn of allTurns(state)) console.log(turn.request, turn.answer);
 * currentRequest(state); // the follow-up, or the first task
 * ```
 */
export { allTurns, currentRequest } from "./graphs/state/turns";
export type { RunOptions, RunResult } from "./graphs/run";
/**
 * The shape of an `ask_user()` question a run stops at, and of the answer that continues it.
 *
 * @example
 * ```ts
 * const waiting = state.awaitingAnswer; // or an interrupt value: isQuestionRequest(value)
 * AnswerSchema.parse("42");
 * ```
 */
export { AnswerSchema, isQuestionRequest } from "./graphs/state/question";
export type { QuestionRequest } from "./graphs/state/question";
/**
 * The graph's state annotation (LangGraph channels and reducers).
 *
 * @example
 * ```ts
 * const builder = new StateGraph(CodeActState);
 * ```
 */
export { CodeActState } from "./graphs/state/state";
export type { CodeActStateValue, PlanStep, RunStatus } from "./graphs/state/state";
export type { Cell } from "./graphs/state/cell";
/**
 * The coder's conversation messages, and where older turns were replaced by a summary.
 *
 * @example
 * ```ts
 * const messages = MessageSchema.array().parse(raw);
 * compactionsOf(messages); // [{ afterCells, summary }]
 * ```
 */
export { compactionsOf, MessageSchema } from "./graphs/state/message";
export type { Message } from "./graphs/state/message";
export type { CodeActEvent } from "./graphs/state/events";
/**
 * A run's budgets (iterations, self-debug attempts, cell timeout, wall clock, tokens), with defaults.
 *
 * @example
 * ```ts
 * const limits = LimitsSchema.parse({ maxIterations: 10 });
 * ```
 */
export { LimitsSchema } from "./graphs/state/limits";
export type { Limits, LimitsInput } from "./graphs/state/limits";
export { RunSettingsSchema } from "./graphs/state/settings";
export type { RunSettings, RunSettingsInput } from "./graphs/state/settings";
export { createModels, createRuntime } from "./graphs/runtime";
export type { Runtime, RuntimeOptions, RuntimeSecrets } from "./graphs/runtime";

/**
 * The planner, coder and critic models from a config (by default the environment: OPENAI_API_KEY,
 * OPENAI_BASE_URL, CODEACT_MODEL and the per-role variables).
 *
 * @example
 * ```ts
 * if (hasModelEndpoint()) {
 *   const models = createRoleModels(modelConfigFromEnv(process.env, "gpt-4o-mini"));
 * }
 * ```
 */
export { createRoleModels, modelConfigFromEnv, hasModelEndpoint } from "./nodes/models/models";
export type { ModelConfig, Role, RoleModels } from "./nodes/models/models";
/**
 * A chat model that replies from a script, for tests and replays.
 *
 * @example
 * ```ts
 * const model = new ScriptedChatModel({ script: ["<execute>\nprint(1)\n</execute>", "<solution>1</solution>"] });
 * ```
 */
export { ScriptedChatModel } from "./nodes/models/scripted-model";
/**
 * The coder's reply as an action: code to run, an answer, or a malformed reply.
 *
 * @example
 * ```ts
 * parseAction("<execute>\nprint(2 + 2)\n</execute>"); // { kind: "code", code: "print(2 + 2)", … }
 * ```
 */
export { parseAction } from "./nodes/prompting/parse";

export type { CodeExecutor, ExecutionResult, ExecuteOptions, OutputEvent, StdinHandler, ToolCallRecord } from "./executors/types";
/**
 * Thrown when an executor cannot start or reach its kernel (code `sandbox`); `hint` says how to
 * get one.
 *
 * @example
 * ```ts
 * try {
 *   await executor.start();
 * } catch (err) {
 *   if (err instanceof ExecutorUnavailableError) console.error(err.hint);
 * }
 * ```
 */
export { ExecutorUnavailableError } from "./executors/types";
/**
 * A Jupyter kernel in a locked-down Docker container (the default sandbox).
 *
 * @example
 * ```ts
 * await using executor = new DockerJupyterExecutor();
 * const result = await executor.execute("print(6 * 7)");
 * ```
 */
export { DockerJupyterExecutor } from "./executors/docker";
export type { DockerExecutorOptions } from "./executors/docker";
/**
 * A Jupyter kernel on this machine, without a sandbox: only for code you trust.
 *
 * @example
 * ```ts
 * const executor = new LocalJupyterExecutor();
 * ```
 */
export { LocalJupyterExecutor } from "./executors/local";
/**
 * A kernel on a Jupyter Server, Kernel Gateway or Enterprise Gateway.
 *
 * @example
 * ```ts
 * const executor = new RemoteJupyterExecutor({ url: "http://jupyter:8888", token: process.env.JUPYTER_TOKEN ?? "" });
 * ```
 */
export { RemoteJupyterExecutor } from "./executors/remote";
/**
 * Started kernels kept warm, each handed out once.
 *
 * @example
 * ```ts
 * const pool = new KernelPool(() => new DockerJupyterExecutor(), { size: 2 });
 * const executor = await pool.acquire();
 * ```
 */
export { KernelPool } from "./executors/pool";
/**
 * The executor for a choice (`auto`, `docker`, `local`, `remote`), as the CLI and server pick it.
 *
 * @example
 * ```ts
 * const executor = await createExecutor({ kind: "remote", remoteUrl: "http://jupyter:8888" });
 * ```
 */
export { createExecutor } from "./executors/factory";
/**
 * The kernel image: its name (a hash of its recipe), and building it when it is missing.
 *
 * @example
 * ```ts
 * const image = await ensureKernelImage({ docker: new Docker() }); // === kernelImageName()
 * ```
 */
export { ensureKernelImage, kernelImageName } from "./executors/image";

/**
 * LangChain tools as Python functions in the kernel; `ReplayBridge` answers from recorded calls.
 *
 * @example
 * ```ts
 * const graph = createCodeActGraph({ models, executor, checkpointer, tools: new ToolBridge([weatherTool]) });
 * ```
 */
export { ToolBridge, ReplayBridge } from "./tools/bridge";
/**
 * Tools by name and by Python function name; refuses two tools with one name (code `tool`).
 *
 * @example
 * ```ts
 * const registry = new ToolRegistry([weatherTool]);
 * ```
 */
export { ToolRegistry } from "./tools/registry";

/**
 * The checkpoint store (SQLite by default, Postgres or memory) with its artifact store and settings.
 *
 * @example
 * ```ts
 * await using store = await createCheckpointer({ kind: "postgres", connectionString: process.env.DATABASE_URL });
 * ```
 */
export { createCheckpointer } from "./checkpoints/savers";
export type { Checkpointer, CheckpointerConfig } from "./checkpoints/savers";
/**
 * Rebuilds a fresh kernel's variables by re-running a thread's cells.
 *
 * @example
 * ```ts
 * const report = await rehydrate(executor, state.cells);
 * ```
 */
export { rehydrate } from "./nodes/kernel/rehydrate";
/**
 * A thread's latest state; throws a CodeActError with code `not_found` when there is none.
 *
 * @example
 * ```ts
 * const state = await readThreadState(store.saver, "squares");
 * ```
 */
export { readThreadState } from "./graphs/threads";
/**
 * The one rule for thread ids (they become file names and labels); a bad id throws
 * `InvalidThreadIdError` (code `usage`).
 *
 * @example
 * ```ts
 * isValidThreadId("squares-1"); // true
 * checkThreadId("../etc"); // throws InvalidThreadIdError
 * ```
 */
export { checkThreadId, isValidThreadId, InvalidThreadIdError } from "./checkpoints/thread-id";

export type { ArtifactStore, ArtifactLimits, ArtifactInfo } from "./checkpoints/artifacts/store";
/**
 * An artifact over its size limit (code `limit`).
 *
 * @example
 * ```ts
 * if (err instanceof ArtifactLimitError) console.error(err.message);
 * ```
 */
export { ArtifactLimitError } from "./checkpoints/artifacts/store";
/**
 * Artifact stores (large cell outputs, content-addressed) beside each kind of checkpoint store.
 *
 * @example
 * ```ts
 * const artifacts = new MemoryArtifactStore(); // or new SqliteArtifactStore(db), new PostgresArtifactStore(pool)
 * ```
 */
export { MemoryArtifactStore } from "./checkpoints/artifacts/memory";
export { SqliteArtifactStore } from "./checkpoints/artifacts/sqlite";
export { PostgresArtifactStore } from "./checkpoints/artifacts/postgres";
/**
 * Large cell values out to the artifact store and back.
 *
 * @example
 * ```ts
 * const cells = await resolveCells(state.cells, { store: artifacts, threadId: "squares" });
 * ```
 */
export { resolveCellOutputs, resolveCells, resolveToolCall, storeCellOutputs } from "./checkpoints/artifacts/cells";
export type { ArtifactScope } from "./checkpoints/artifacts/cells";
/**
 * A serializer that refuses a checkpoint write that would not read back or is too large
 * (`CheckpointWriteError`, code `limit`).
 *
 * @example
 * ```ts
 * const saver = new MemorySaver(new GuardedSerializer(undefined, 8 * 1024 * 1024));
 * ```
 */
export { CheckpointWriteError, GuardedSerializer } from "./checkpoints/guard";

/**
 * The error base: every error codeact throws on purpose is a `CodeActError` with a stable `code`
 * (one of `ERROR_CODES`) and, where there is a next step, a `hint`.
 *
 * @example
 * ```ts
 * try {
 *   await runCodeAct(graph, "a follow-up", { threadId: "squares" });
 * } catch (err) {
 *   if (err instanceof CodeActError && err.code === "conflict") await runCodeAct(graph, null, { threadId: "squares" });
 *   else throw err;
 * }
 * ```
 */
export { CodeActError, ERROR_CODES, errorCodeOf } from "./errors";
export type { ErrorCode } from "./errors";

/**
 * Evaluates the agent on a task suite, in one or more action formats.
 *
 * @example
 * ```ts
 * const report = await runEval({ suite: resolveSuite("toolbox"), formats: ["code"], agent: "paper", modelFor: () => model, out: "eval-out" });
 * ```
 */
export { runEval } from "./eval/run";
export type { EvalOptions, EvalReport } from "./eval/run";
/**
 * A suite by name (a bundled one, or a folder with tools.py and tasks.py).
 *
 * @example
 * ```ts
 * const suite = resolveSuite("m3tooleval", "/data/m3tooleval");
 * ```
 */
export { resolveSuite } from "./eval/suite";
export type { SuiteSource, TaskInfo } from "./eval/suite";
/**
 * The paper's single-agent CodeAct loop (no planner or critic), for comparison.
 *
 * @example
 * ```ts
 * const graph = createPaperGraph({ model, executor, format: "code", check: async (answer) => verdictOf(answer) });
 * ```
 */
export { createPaperGraph } from "./graphs/paper";
/**
 * A reply in one of the action formats (code, JSON, text) as an action.
 *
 * @example
 * ```ts
 * parseFormattedAction('{"tool": "add", "args": {"a": 1}}', "json");
 * ```
 */
export { parseFormattedAction } from "./nodes/prompting/actions";
export type { ActionFormat } from "./nodes/prompting/actions";
