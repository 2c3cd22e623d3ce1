/**
 * A real chat model that answers from a script: a list of replies (or a function of the prompt).
 * Tests and the offline demo drive the whole graph with it; it reports token usage and streams
 * like a provider model, so budgets and live progress behave as with a real endpoint.
 */
import { BaseChatModel, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, AIMessageChunk, type BaseMessage } from "@langchain/core/messages";
import { ChatGenerationChunk, type ChatResult } from "@langchain/core/outputs";
import { CodeActError } from "../../errors";

export type ScriptStep = string | ((messages: BaseMessage[]) => string);

export interface ScriptedChatModelParams extends BaseChatModelParams {
  /** Replies in order. */
  script: ScriptStep[];
  /** What to do past the end of the script: repeat the last reply, or throw (default). */
  whenExhausted?: "repeat-last" | "throw";
  /** Milliseconds to wait before each reply, to look like a model thinking (demo). */
  delayMs?: number;
}

/** Characters of the prompt as one text (messages joined by newlines), without building that text. */
function charsOf(messages: BaseMessage[]): number {
  const chars = messages.reduce((n, m) => n + (typeof m.content === "string" ? m.content : JSON.stringify(m.content)).length, 0);
  return chars + Math.max(0, messages.length - 1);
}

/** Roughly 4 characters a token, the usual rule of thumb for English and code. */
const tokens = (chars: number) => Math.ceil(chars / 4);

export class ScriptedChatModel extends BaseChatModel {
  private readonly script: ScriptStep[];
  private readonly whenExhausted: "repeat-last" | "throw";
  private readonly delayMs: number;
  private position = 0;
  /** Every prompt the model was given, for assertions. */
  readonly calls: BaseMessage[][] = [];

  constructor(params: ScriptedChatModelParams) {
    super(params);
    this.script = params.script;
    this.whenExhausted = params.whenExhausted ?? "throw";
    this.delayMs = params.delayMs ?? 0;
  }

  _llmType(): string {
    return "scripted";
  }

  get remaining(): number {
    return this.script.length - this.position;
  }

  private next(messages: BaseMessage[]): string {
    this.calls.push(messages);
    let step = this.script[this.position];
    if (step === undefined) {
      if (this.whenExhausted === "throw" || this.script.length === 0) {
        throw new CodeActError("model", `ScriptedChatModel: the script has only ${this.script.length} replies and all were used.`);
      }
      step = this.script[this.script.length - 1]!;
    } else this.position++;
    return typeof step === "function" ? step(messages) : step;
  }

  private usage(messages: BaseMessage[], reply: string) {
    const input = tokens(charsOf(messages));
    const output = tokens(reply.length);
    return { input_tokens: input, output_tokens: output, total_tokens: input + output };
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const reply = this.next(messages);
    const message = new AIMessage({ content: reply, usage_metadata: this.usage(messages, reply) });
    return { generations: [{ text: reply, message }] };
  }

  override async *_streamResponseChunks(messages: BaseMessage[]): AsyncGenerator<ChatGenerationChunk> {
    if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
    const reply = this.next(messages);
    const pieces = reply.match(/[\s\S]{1,16}/g) ?? [""];
    for (const [i, text] of pieces.entries()) {
      const last = i === pieces.length - 1;
      yield new ChatGenerationChunk({
        text,
        message: new AIMessageChunk({ content: text, ...(last ? { usage_metadata: this.usage(messages, reply) } : {}) }),
      });
    }
  }
}
