/**
 * Runs as multi-turn training conversations (CodeActInstruct style): `codeact export <thread>
 * --format openai-chat|sharegpt`, and `--all --where self-debugged` to keep runs that hit an error
 * and then succeeded. A record is the conversation the model was sent, as it was sent, plus its
 * replies: the paper loop's messages as they are, the full graph's coder conversation with its
 * recorded system prompt (threads from before that was recorded: rebuilt from their cells).
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { z } from "zod";
import { type CheckpointerConfig, createCheckpointer } from "../checkpoints/savers";
import { openThread, readPaperState, readThreadState, threadIds } from "../graphs/threads";
import { formatObservation } from "../nodes/prompting/observation";
import { activeMessages, conversationText } from "../nodes/prompting/conversation";
import type { CodeActStateValue } from "../graphs/state/state";
import { type ThreadView, threadView, turnEntries, viewCells } from "./view";
import { CodeActError, settingLabel } from "../errors";
import { redactDeep } from "../errors/redact";

const Role = z.enum(["system", "user", "assistant"]);
export const OpenAIChatRecordSchema = z.strictObject({
  messages: z.array(z.strictObject({ role: Role, content: z.string() })).min(2),
});
export const ShareGPTRecordSchema = z.strictObject({
  id: z.string(),
  conversations: z.array(z.strictObject({ from: z.enum(["system", "human", "gpt"]), value: z.string() })).min(2),
});
export type TrajectoryFormat = "openai-chat" | "sharegpt";

export interface Trajectory {
  threadId: string;
  messages: { role: z.infer<typeof Role>; content: string }[];
  /** An action failed at some point. */
  hadError: boolean;
  /** Ended with an accepted answer (the checker's for an eval task, the critic's for a graph run). */
  succeeded: boolean;
}

/** Messages must alternate; the last one is the model's (a training target), so a trailing observation is dropped. */
function tidy(messages: Trajectory["messages"]): Trajectory["messages"] {
  const out = [...messages];
  while (out.length && out.at(-1)!.role !== "assistant") out.pop();
  return out;
}

/**
 * The coder's last request exactly as the model received it (its system prompt, then the
 * conversation entries it was shown, thoughts and all), followed by its reply. Every earlier
 * request of the thread is a prefix of it, unless the conversation was compacted: then the
 * entries the summary replaced are not in it, as they were not in the request. Undefined for a
 * thread that kept no conversation or no system prompt (older versions, `--context window`).
 */
function coderConversation(state: CodeActStateValue): Trajectory["messages"] | undefined {
  const all = state.messages ?? [];
  let last = all.length - 1;
  while (last >= 0 && all[last]!.kind !== "reply") last--;
  const system = (state.systemPrompts ?? []).filter((p) => p.fromMessage <= last).at(-1);
  if (last < 0 || !system) return undefined;
  const shown = conversationText(activeMessages(all.slice(0, last + 1)), { cells: state.cells, limits: { observationChars: system.observationChars, contextTokens: system.contextTokens } });
  return [{ role: "system", content: system.content }, ...shown];
}

/** Without a recorded conversation: each turn rebuilt from its cells (action, observation, …, answer). */
function rebuiltConversation(view: ThreadView): Trajectory["messages"] {
  const messages: Trajectory["messages"] = [];
  // Every turn: its request, its actions and observations, its answer (a follow-up is the next user message).
  for (const turn of view.turns) {
    const request = turn.index === 0 ? view.task : turn.request;
    // A turn that ended on an observation (no answer): the next request joins it, so roles still alternate.
    const last = messages.at(-1);
    if (last?.role === "user") last.content += `\n\n${request}`;
    else messages.push({ role: "user", content: request });
    for (const cell of turnEntries(turn)) {
      if (cell.kind !== "cell") continue;
      messages.push({ role: "assistant", content: `${cell.thought ? `${cell.thought}\n` : ""}<execute>\n${cell.code}\n</execute>` });
      messages.push({ role: "user", content: `Observation:\n${formatObservation(cell.result, 4000)}` });
    }
    if (turn.answer) messages.push({ role: "assistant", content: `<solution>${turn.answer}</solution>` });
  }
  return messages;
}

export async function readTrajectory(saver: BaseCheckpointSaver, threadId: string): Promise<Trajectory> {
  // Listed once for both reads.
  const reader = await openThread(saver, threadId);
  const s = await readPaperState(reader, threadId);
  if (s) {
    return {
      threadId,
      messages: tidy(s.messages.map((m) => ({ role: m.role, content: m.content }))),
      hadError: s.messages.some((m) => m.kind === "observation" && m.error),
      succeeded: s.correct,
    };
  }
  const state = await readThreadState(reader, threadId);
  const view = threadView(state, threadId);
  const messages = coderConversation(state) ?? rebuiltConversation(view);
  const hadError = viewCells(view).some((c) => c.result.status !== "ok");
  return { threadId, messages: tidy(messages), hadError, succeeded: view.status === "done" && Boolean(view.answer) };
}

export function toRecord(t: Trajectory, format: TrajectoryFormat): unknown {
  if (format === "openai-chat") return OpenAIChatRecordSchema.parse({ messages: t.messages });
  const from = { system: "system", user: "human", assistant: "gpt" } as const;
  return ShareGPTRecordSchema.parse({ id: t.threadId, conversations: t.messages.map((m) => ({ from: from[m.role], value: m.content })) });
}

export const WHERE = ["all", "succeeded", "self-debugged"] as const;
export type Where = (typeof WHERE)[number];

export function matches(t: Trajectory, where: Where): boolean {
  if (t.messages.length < 2) return false;
  if (where === "succeeded") return t.succeeded;
  if (where === "self-debugged") return t.hadError && t.succeeded;
  return true;
}

const SCHEMAS = new Map<string, TrajectoryFormat>([
  ["openai-chat", "openai-chat"],
  ["sharegpt", "sharegpt"],
  // JSON lines of OpenAI chat records (the usual fine-tuning upload).
  ["jsonl", "openai-chat"],
]);
export const isTrajectoryFormat = (format: string) => SCHEMAS.has(format);

/** One thread as a JSON record, or (thread undefined) every matching thread as JSON lines. */
export async function exportTrajectories(
  thread: string | undefined,
  format: string,
  where: Where,
  out: string | undefined,
  checkpointer: CheckpointerConfig,
): Promise<{ path: string; count: number }> {
  const schema = SCHEMAS.get(format);
  if (!schema) throw new CodeActError("usage", `${settingLabel("trajectory_format")} must be openai-chat, sharegpt or jsonl for a conversation, not "${format}"`, { about: { setting: "trajectory_format" } });
  const store = await createCheckpointer(checkpointer);
  try {
    if (thread) {
      const record = redactDeep(toRecord(await readTrajectory(store.saver, thread), schema));
      const path = resolve(out ?? `${thread}.${format}.json`);
      writeFileSync(path, `${JSON.stringify(record, null, 1)}\n`);
      return { path, count: 1 };
    }
    const lines: string[] = [];
    for (const id of await threadIds(store.saver)) {
      // A thread that cannot be read as a run (empty, foreign) is not a conversation: skip it.
      const trajectory = await readTrajectory(store.saver, id).catch(() => undefined);
      if (trajectory && matches(trajectory, where)) lines.push(JSON.stringify(redactDeep(toRecord(trajectory, schema))));
    }
    const path = resolve(out ?? `trajectories-${where}.jsonl`);
    writeFileSync(path, lines.map((l) => `${l}\n`).join(""));
    return { path, count: lines.length };
  } finally {
    await store.close();
  }
}
