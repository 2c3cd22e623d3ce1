/**
 * Runs as multi-turn training conversations (CodeActInstruct style): `codeact export <thread>
 * --format openai-chat|sharegpt`, and `--all --where self-debugged` to keep runs that hit an error
 * and then succeeded. Works for both agents' threads: the paper loop's conversation is taken as it
 * was; the full graph's is rebuilt from its cells (action, observation, ..., answer).
 */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { z } from "zod";
import { type CheckpointerConfig, createCheckpointer } from "../checkpoints/savers";
import { openThread, readPaperState, readThreadState, threadIds } from "../graphs/threads";
import { formatObservation } from "../nodes/prompting/observation";
import { threadView, turnEntries, viewCells } from "./view";
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
  const view = threadView(await readThreadState(reader, threadId), threadId);
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
      messages.push({ role: "assistant", content: `<execute>\n${cell.code}\n</execute>` });
      messages.push({ role: "user", content: `Observation:\n${formatObservation(cell.result, 4000)}` });
    }
    if (turn.answer) messages.push({ role: "assistant", content: `<solution>${turn.answer}</solution>` });
  }
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
