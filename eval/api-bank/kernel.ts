/**
 * API-Bank in a sandboxed kernel. Its APIs and databases (never the dialogues) are written into the
 * kernel by the prelude and imported there; the APIs run only in kernels, never on the host. A task
 * kernel builds an item's messages and runs the reply's call on a fresh ToolManager; the judge
 * kernel, which alone is handed gold lines, runs the API's own check (and the gold call, for the
 * ceiling). Both speak through eval/python/api_bank.py.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import type { CodeExecutor, StdinHandler } from "../../executors/types";
import type { ActionFormat } from "../../graphs/state/settings";
import { CodeActError } from "../../errors";
import { formatObservation } from "../../nodes/prompting/observation";
import { readFolder, writeFilesSource } from "../kernel-files";
import { b64 } from "../suite";
import { type ApiBankItem, KERNEL_PARTS } from "./items";

const HARNESS = readFileSync(join(__dirname, "..", "python", "harness.py"), "utf8");
const API_BANK = readFileSync(join(__dirname, "..", "python", "api_bank.py"), "utf8");
const ROOT = ".codeact-apibank";

/** The system prompt before the API descriptions: code-act's BASE_CALL_PROMPT with the format's guide. */
const CALL_PROMPT = readFileSync(join(__dirname, "..", "prompts", "api-bank-call.txt"), "utf8");
const GUIDES: Record<ActionFormat, string> = {
  code: "[ApiName(key1='value1', key2='value2', ...)]",
  text: "[Action: ApiName, key1: value1, key2: value2, ...]",
  json: '[{"action": "ApiName", "param1": "value1", "param2": "value2", ...}]',
};
export function systemPrompt(format: ActionFormat): string {
  return CALL_PROMPT.replace("{format_guide}", () => GUIDES[format]).replace("{expected_output}", () => GUIDES[format]);
}

export class ApiBankPrelude implements StdinHandler {
  private source?: string;
  constructor(private readonly dir: string) {}

  prelude(): string {
    if (!this.source) {
      const files: Record<string, string> = {};
      for (const part of KERNEL_PARTS) {
        if (part.endsWith(".py")) files[part] = readFileSync(join(this.dir, part)).toString("base64");
        else Object.assign(files, readFolder(join(this.dir, part), `${part}/`));
      }
      this.source = [HARNESS, API_BANK, writeFilesSource(ROOT, files), `_ab_load(${JSON.stringify(ROOT)})`].join("\n");
    }
    return this.source;
  }

  /** API code calling input() gets an empty line: there is nobody to ask. */
  async handleInput(): Promise<{ reply: string }> {
    return { reply: "" };
  }
}

export const MessageSchema = z.object({ role: z.enum(["system", "user", "assistant"]), content: z.string() });
export type ApiBankMessage = z.infer<typeof MessageSchema>;

/** What the task kernel made of a reply; handed to the judge as it is (its values type-tagged). */
export const CallSchema = z.object({ stage: z.enum(["no_call", "parse", "api_error", "called"]), detail: z.string().optional(), name: z.unknown().optional(), params: z.unknown().optional(), result: z.unknown().optional() }).loose();
export type ApiBankCall = z.infer<typeof CallSchema>;

export const REASONS = ["correct", "no_call", "parse", "name_mismatch", "api_error", "check_failed", "check_keyerror", "check_assert", "check_error", "context_exceeded"] as const;
export const VerdictSchema = z.object({ correct: z.boolean(), reason: z.enum(REASONS), detail: z.string(), network: z.boolean() });
export type ApiBankVerdict = z.infer<typeof VerdictSchema>;

/** A kernel cell's last stdout line as JSON, or an error naming what failed. */
async function ask<T>(executor: CodeExecutor, code: string, schema: z.ZodType<T>, timeoutMs: number): Promise<T> {
  const result = await executor.execute(code, { timeoutMs });
  if (result.status !== "ok") {
    throw new CodeActError("sandbox", `API-Bank's code failed in the kernel (${result.status}):\n${formatObservation(result, 2000)}`, { hint: "A resume runs the item again." });
  }
  const line = result.stdout.trim().split("\n").pop() ?? "";
  let value;
  try {
    value = JSON.parse(line);
  } catch {
    throw new CodeActError("internal", `The API-Bank kernel printed no result: ${line.slice(0, 300)}`);
  }
  return schema.parse(value);
}

export class ApiBankKernel {
  constructor(
    readonly executor: CodeExecutor,
    private readonly timeoutMs = 120_000,
  ) {}

  async start(): Promise<void> {
    try {
      await this.executor.start();
    } catch (err) {
      const why = /Kernel prelude failed \((.*)\)/s.exec((err as Error).message)?.[1];
      if (!why) throw err;
      throw new CodeActError("usage", `API-Bank could not be loaded in the kernel: ${why}`, { hint: "Is --from (CODEACT_APIBANK_DIR) API-Bank's unchanged api-bank/ folder?" });
    }
  }

  /** The inert stand-ins the kernel installed for packages its image lacks. */
  stubs(): Promise<string[]> {
    return ask(this.executor, `_ab_out(_AB["stubs"])`, z.array(z.string()), this.timeoutMs);
  }

  /** Task kernel: the item's messages in the format (no gold goes in). */
  messages(format: ActionFormat, item: ApiBankItem): Promise<ApiBankMessage[]> {
    const payload = JSON.stringify({ system: systemPrompt(format), apis: item.apis, history: item.history });
    return ask(this.executor, `_ab_messages(${JSON.stringify(format)}, ${b64(payload)})`, z.array(MessageSchema), this.timeoutMs);
  }

  /** Task kernel: the reply's `[...]` parsed in the format and run on a fresh ToolManager. */
  call(format: ActionFormat, reply: string): Promise<ApiBankCall> {
    return ask(this.executor, `_ab_call(${JSON.stringify(format)}, ${b64(reply)})`, CallSchema, this.timeoutMs);
  }

  /** Judge: the API's own check of a call against the gold line. */
  check(item: ApiBankItem, call: ApiBankCall): Promise<ApiBankVerdict> {
    return ask(this.executor, `_ab_check(${b64(item.gold)}, ${b64(JSON.stringify(call))})`, VerdictSchema, this.timeoutMs);
  }

  /** Judge: the oracle's reply, the gold call rendered in the format. */
  async goldReply(format: ActionFormat, item: ApiBankItem): Promise<string> {
    return (await ask(this.executor, `_ab_gold_reply(${JSON.stringify(format)}, ${b64(item.gold)})`, z.object({ reply: z.string() }), this.timeoutMs)).reply;
  }

  /** Judge: the gold call rendered, parsed, run and checked (the item's ceiling in this format). */
  ceiling(format: ActionFormat, item: ApiBankItem): Promise<ApiBankVerdict> {
    return ask(this.executor, `_ab_ceiling(${JSON.stringify(format)}, ${b64(item.gold)})`, VerdictSchema, this.timeoutMs);
  }
}
