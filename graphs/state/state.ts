/**
 * The graph's state, in zod. Cells and critiques grow with the run, so they live in DeltaValue
 * channels: a checkpoint stores only the step's new entries, not the whole history again.
 */
import { DeltaValue, StateSchema } from "@langchain/langgraph";
import { z } from "zod";
import { CellFileSchema, CellSchema } from "./cell";
import { InputsValue } from "./inputs";
import { type Message, MessageSchema } from "./message";

export const PlanStepSchema = z.object({
  description: z.string().min(1),
  doneCriterion: z.string().default(""),
});
export type PlanStep = z.infer<typeof PlanStepSchema>;

export const ActionSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("code"), code: z.string(), thought: z.string().default(""), stepDone: z.boolean().optional() }),
  /** The coder says the current step is done without running more code. */
  z.object({ kind: z.literal("claim"), thought: z.string().default("") }),
  z.object({ kind: z.literal("answer"), answer: z.string(), thought: z.string().default("") }),
  z.object({ kind: z.literal("invalid"), reason: z.string() }),
]);
export type PendingAction = z.infer<typeof ActionSchema>;

export const CritiqueSchema = z.object({
  step: z.number().int(),
  verdict: z.enum(["next", "replan", "done"]),
  feedback: z.string().default(""),
  /** Where it happened: the turn, and how many cells the thread had run (absent in threads before these were recorded). */
  turn: z.number().int().nonnegative().optional(),
  afterCells: z.number().int().nonnegative().optional(),
});
export type Critique = z.infer<typeof CritiqueSchema>;

export const RUN_STATUSES = [
  "running",
  "done",
  "max_iterations",
  "debug_exhausted",
  "wall_clock",
  "token_budget",
  "invalid_output",
  "max_replans",
] as const;
export const RunStatusSchema = z.enum(RUN_STATUSES);
export type RunStatus = z.infer<typeof RunStatusSchema>;

/**
 * One ended turn of a thread (a request and what came of it). The turn in progress lives in the
 * scalar fields (`turn`, `request`, `turnFirstCell`, `status`, `answer`); it is appended here when
 * the next request arrives, so an ended turn is written once and never rewritten.
 */
export const TurnSchema = z.object({
  index: z.number().int().nonnegative(),
  request: z.string(),
  answer: z.string().nullable(),
  status: RunStatusSchema,
  statusDetail: z.string().default(""),
  /** Position in `cells` of the turn's first cell; its cells run up to the next turn's firstCell. */
  firstCell: z.number().int().nonnegative(),
  /** Model tokens the turn used (budgets are per turn: `tokens` restarts at each new turn). */
  tokens: z.number().int().nonnegative().default(0),
});
export type Turn = z.infer<typeof TurnSchema>;

const append = <T>(current: T[], writes: T[]) => current.concat(writes);
/**
 * A full snapshot of a delta channel costs O(history); taking one every 100 cells (the default)
 * makes the bytes written per step grow with the run. Replaying writes on load is cheap by
 * comparison, and LangGraph still bounds replay depth by its superstep limit.
 */
const SNAPSHOT_EVERY = 10_000;

/** A system prompt the coder was sent from conversation entry `fromMessage` on (see `systemPrompts`). */
export const SystemPromptSchema = z.object({
  content: z.string(),
  fromMessage: z.number().int().nonnegative(),
  observationChars: z.number().int().positive(),
  contextTokens: z.number().int().positive().optional(),
});
export type SystemPrompt = z.infer<typeof SystemPromptSchema>;

/**
 * Values a node of this graph returned (graphs/step.ts marks them). LangGraph re-parses every
 * written field with zod, one async parse per field per step, cells and messages included: about a
 * tenth of a step's overhead. A node's values are built from the schema's own types and come out of
 * a parse unchanged (tests/graphs/node-outputs.test.ts checks that on a run through every node);
 * what comes from outside (a run's input, updateState) is still parsed.
 */
const nodeOutputs = new WeakSet<object>();

/** Marks a node's update: its object values skip the second parse. */
export function markNodeOutput(update: Record<string, unknown>): void {
  for (const key in update) {
    const value = update[key];
    if (value !== null && typeof value === "object") nodeOutputs.add(value);
  }
}

/** For the test that a skipped parse would have changed nothing: sees each value not parsed again. */
export const skippedParses: { observe?: (key: string, value: unknown) => void } = {};

/** A schema's field parse, skipping the values a node returned. */
function trustingNodeOutputs(validate: (data: Record<string, unknown>) => Promise<Record<string, unknown>>) {
  return async <T>(data: T): Promise<T> => {
    if (data === null || typeof data !== "object") return data;
    const kept: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    let parse = false;
    for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
      if (value !== null && typeof value === "object" && nodeOutputs.has(value)) {
        kept[key] = value;
        skippedParses.observe?.(key, value);
      } else {
        rest[key] = value;
        parse = true;
      }
    }
    return (parse ? Object.assign(kept, await validate(rest)) : kept) as T;
  };
}

export const CodeActState = new StateSchema({
  /** The thread's first request. A later input (a follow-up) passes through here and is moved to `request`. */
  task: z.string(),
  /** The run's input files ({name, sha256, size}); the bytes in the artifact store (graphs/state/inputs.ts). */
  inputs: InputsValue,
  /**
   * Turns: the current one is `turn` (0 for the first), asking `request`, whose cells start at
   * `turnFirstCell`. Per turn (reset when a follow-up starts): status, answer, plan, counters,
   * iterations, replans, tokens and the wall clock, so every budget applies to each turn anew.
   * Kept across turns: cells, critiques, the conversation and the kernel's variables.
   */
  turn: z.number().int().default(0),
  request: z.string().default(""),
  turnFirstCell: z.number().int().default(0),
  turns: new DeltaValue(z.array(TurnSchema).default(() => []), { inputSchema: TurnSchema, reducer: append, snapshotFrequency: SNAPSHOT_EVERY }),
  plan: z.array(PlanStepSchema).default(() => []),
  currentStep: z.number().int().default(0),
  cells: new DeltaValue(z.array(CellSchema).default(() => []), { inputSchema: CellSchema, reducer: append, snapshotFrequency: SNAPSHOT_EVERY }),
  critiques: new DeltaValue(z.array(CritiqueSchema).default(() => []), { inputSchema: CritiqueSchema, reducer: append, snapshotFrequency: SNAPSHOT_EVERY }),
  /** The coder's conversation: task, plan, replies and observations, appended as they happen. */
  messages: new DeltaValue(z.array(MessageSchema).default(() => []), {
    // A step may add several entries (observations, a note, the reply): one write, flattened here.
    inputSchema: z.union([MessageSchema, z.array(MessageSchema)]),
    reducer: (current: Message[], writes: (Message | Message[])[]) => current.concat(writes.flat()),
    snapshotFrequency: SNAPSHOT_EVERY,
  }),
  /**
   * The coder's system prompts, each recorded once when it changes (the conversation position it
   * applies from, and the limits its entries were shown with): exports give the conversation
   * exactly as the model received it.
   */
  systemPrompts: new DeltaValue(z.array(SystemPromptSchema).default(() => []), { inputSchema: SystemPromptSchema, reducer: append, snapshotFrequency: SNAPSHOT_EVERY }),
  /** The coder's last action said its step is done: the critic judges it after the execution. */
  stepClaimed: z.boolean().default(false),
  pendingAction: ActionSchema.nullable().default(null),
  /** What the coder sees next: the last cell's observation or a request for a proper action. */
  observation: z.string().default(""),
  /** Failed executions in a row for the current step (the self-debug counter). */
  debugAttempts: z.number().int().default(0),
  /** Coder turns so far (every model reply counts, malformed ones included). */
  iterations: z.number().int().default(0),
  invalidOutputs: z.number().int().default(0),
  replans: z.number().int().default(0),
  /** The critic's feedback for the planner when it asks for a new plan. */
  feedback: z.string().default(""),
  tokens: z.number().int().default(0),
  /** Model replies received this turn (planner, coder, critic, summaries), for the `finished` event and reports. */
  modelCalls: z.number().int().default(0),
  /** Epoch ms of the run's first node, for the wall-clock budget. */
  startedAt: z.number().default(0),
  status: RunStatusSchema.default("running"),
  /** Why the run stopped when it did not finish with an answer. */
  statusDetail: z.string().default(""),
  answer: z.string().nullable().default(null),
  /** Files under /workspace that the accepted answer names, kept in the artifact store when it was given. */
  answerFiles: z.array(CellFileSchema).default(() => []),
  /** Set when a person rejected the pending action in approval mode: it goes back to the coder. */
  rejected: z.boolean().default(false),
});
CodeActState.validateInput = trustingNodeOutputs(CodeActState.validateInput.bind(CodeActState));
/** What a person decides about a code action in approval mode (the value to resume with). */
export const ApprovalSchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("approve") }),
  z.object({ action: z.literal("edit"), code: z.string().min(1) }),
  z.object({ action: z.literal("reject"), feedback: z.string().default("") }),
]);
export type Approval = z.infer<typeof ApprovalSchema>;

/** The interrupt payload shown to a person before a code action runs. */
export interface ApprovalRequest {
  kind: "approve_code";
  step: number;
  attempt: number;
  code: string;
  thought: string;
}

export type CodeActStateValue = typeof CodeActState.State;
export type CodeActUpdate = typeof CodeActState.Update;
