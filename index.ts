/** codeact's library surface. */
export { createCodeActGraph, threadGraph } from "./graphs/codeact";
export { routeAfterCoder, routeAfterCritic, routeAfterExecutor } from "./graphs/routing";
export type { CodeActGraph, CodeActGraphOptions } from "./graphs/codeact";
export { NotWaitingError, runCodeAct, TurnInProgressError } from "./graphs/run";
export { allTurns, currentRequest } from "./graphs/state/turns";
export type { RunOptions, RunResult } from "./graphs/run";
export { AnswerSchema, isQuestionRequest } from "./graphs/state/question";
export type { QuestionRequest } from "./graphs/state/question";
export { CodeActState } from "./graphs/state/state";
export type { CodeActStateValue, PlanStep, RunStatus } from "./graphs/state/state";
export type { Cell } from "./graphs/state/cell";
export { compactionsOf, MessageSchema } from "./graphs/state/message";
export type { Message } from "./graphs/state/message";
export type { CodeActEvent } from "./graphs/state/events";
export { LimitsSchema } from "./graphs/state/limits";
export type { Limits, LimitsInput } from "./graphs/state/limits";
export { RunSettingsSchema } from "./graphs/state/settings";
export type { RunSettings, RunSettingsInput } from "./graphs/state/settings";
export { createModels, createRuntime } from "./graphs/runtime";
export type { Runtime, RuntimeOptions, RuntimeSecrets } from "./graphs/runtime";

export { createRoleModels, modelConfigFromEnv, hasModelEndpoint } from "./nodes/models/models";
export type { ModelConfig, Role, RoleModels } from "./nodes/models/models";
export { ScriptedChatModel } from "./nodes/models/scripted-model";
export { parseAction } from "./nodes/prompting/parse";

export type { CodeExecutor, ExecutionResult, ExecuteOptions, OutputEvent, StdinHandler, ToolCallRecord } from "./executors/types";
export { ExecutorUnavailableError } from "./executors/types";
export { DockerJupyterExecutor } from "./executors/docker";
export type { DockerExecutorOptions } from "./executors/docker";
export { LocalJupyterExecutor } from "./executors/local";
export { RemoteJupyterExecutor } from "./executors/remote";
export { KernelPool } from "./executors/pool";
export { createExecutor } from "./executors/factory";
export { ensureKernelImage, kernelImageName } from "./executors/image";

export { ToolBridge, ReplayBridge } from "./tools/bridge";
export { ToolRegistry } from "./tools/registry";

export { createCheckpointer } from "./checkpoints/savers";
export type { Checkpointer, CheckpointerConfig } from "./checkpoints/savers";
export { rehydrate } from "./nodes/kernel/rehydrate";
export { readThreadState } from "./graphs/threads";
export { checkThreadId, isValidThreadId, InvalidThreadIdError } from "./checkpoints/thread-id";

export type { ArtifactStore, ArtifactLimits, ArtifactInfo } from "./checkpoints/artifacts/store";
export { ArtifactLimitError } from "./checkpoints/artifacts/store";
export { MemoryArtifactStore } from "./checkpoints/artifacts/memory";
export { SqliteArtifactStore } from "./checkpoints/artifacts/sqlite";
export { PostgresArtifactStore } from "./checkpoints/artifacts/postgres";
export { resolveCellOutputs, resolveCells, resolveToolCall, storeCellOutputs } from "./checkpoints/artifacts/cells";
export type { ArtifactScope } from "./checkpoints/artifacts/cells";
export { CheckpointWriteError, GuardedSerializer } from "./checkpoints/guard";

export { runEval } from "./eval/run";
export type { EvalOptions, EvalReport } from "./eval/run";
export { resolveSuite } from "./eval/suite";
export type { SuiteSource, TaskInfo } from "./eval/suite";
export { createPaperGraph } from "./graphs/paper";
export { parseFormattedAction } from "./nodes/prompting/actions";
export type { ActionFormat } from "./nodes/prompting/actions";
