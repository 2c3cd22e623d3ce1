/**
 * JSON replies from the planner and critic: parsed with zod, one repair round when the model's
 * JSON is malformed, then a safe fallback so a bad reply never ends a run.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import type { z } from "zod";
import { callModel, type Deadline } from "./context";
import { extractJson } from "./parse";

export async function askForJson<S extends z.ZodType>(
  model: BaseChatModel,
  messages: BaseMessage[],
  schema: S,
  fallback: () => z.output<S>,
  config?: RunnableConfig,
  deadline?: Deadline,
): Promise<{ value: z.output<S>; tokens: number; repaired: boolean; fellBack: boolean }> {
  let tokens = 0;
  let convo = messages;
  for (let attempt = 0; attempt < 2; attempt++) {
    const reply = await callModel(model, convo, config, deadline);
    tokens += reply.tokens;
    let problem: string;
    try {
      const parsed = schema.safeParse(extractJson(reply.text));
      if (parsed.success) return { value: parsed.data, tokens, repaired: attempt > 0, fellBack: false };
      problem = parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ");
    } catch (err) {
      problem = (err as Error).message;
    }
    convo = [...convo, new AIMessage(reply.text), new HumanMessage(`That reply could not be used (${problem}). Reply again with the JSON object only.`)];
  }
  return { value: fallback(), tokens, repaired: false, fellBack: true };
}
