/** codeact's library surface. */
export { createCodeActGraph, routeAfterCoder, routeAfterCritic, routeAfterExecutor } from "./graphs/codeact";
export type { CodeActGraph, CodeActGraphOptions } from "./graphs/codeact";
export { NotWaitingError, runCodeAct, TurnInProgressError } from "./graphs/run";
export { allTurns, currentRequest } from "./graphs/turns";
export type { RunOptions, RunResult } from "./graphs/run";
export { AnswerSchema, isQuestionRequest } from "./graphs/question";
export type { QuestionRequest } from "./graphs/question";
export { CodeActState } from "./graphs/state";
export type { CodeActStateValue, PlanStep, RunStatus } from "./graphs/state";
export type { Cell } from "./graphs/cell";
export { compactionsOf, MessageSchema } from "./graphs/message";
export type { Message } from "./graphs/message";
export type { CodeActEvent } from "./graphs/events";
export { LimitsSchema } from "./graphs/limits";
export type { Limits, LimitsInput } from "./graphs/limits";

export { createRoleModels, modelConfigFromEnv, hasModelEndpoint } from "./nodes/models";
export type { ModelConfig, Role, RoleModels } from "./nodes/models";
export { ScriptedChatModel } from "./nodes/scripted-model";
export { parseAction } from "./nodes/parse";

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
export { rehydrate } from "./checkpoints/rehydrate";
export { readThreadState } from "./checkpoints/threads";
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
export { parseFormattedAction } from "./nodes/actions";
export type { ActionFormat } from "./nodes/actions";
