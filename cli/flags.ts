/**
 * Command-line values checked as they are parsed, so a bad flag stops the command with one human
 * sentence before any checkpoint store is opened, thread locked or kernel started.
 */
import { readFileSync } from "node:fs";
import type { z } from "zod";
import { MAX_CELL_TIMEOUT_MS, MAX_WALL_CLOCK_MS } from "../graphs/state/limits";
import { ACTION_FORMATS, type ActionFormat, EXECUTOR_KINDS, type ExecutorKind } from "../graphs/state/settings";
import { CodeActError } from "../errors";

/** A usage mistake: main prints its message alone, without a stack. */
export class UsageError extends CodeActError {
  constructor(message: string) {
    super("usage", message);
    this.name = "UsageError";
  }
}

/** zod's issues as one line ("planner: expected array, received string; critic: required"). */
export function zodIssuesText(error: z.ZodError): string {
  return error.issues.map((i) => (i.path.length ? `${i.path.join(".")}: ${i.message}` : i.message)).join("; ");
}

/** A parser for a whole-number flag within [min, max]; `unit` names what the number counts. */
export function wholeNumber(flag: string, min: number, max: number, unit = ""): (value: string) => number {
  return (value) => {
    const n = Number(value.trim());
    const range = `between ${min} and ${max}${unit ? ` ${unit}` : ""}`;
    if (value.trim() === "" || !Number.isInteger(n)) throw new UsageError(`${flag} must be a whole number ${range}, got "${value}"`);
    if (n < min || n > max) throw new UsageError(`${flag} must be ${range}, got ${value}`);
    return n;
  };
}

export const cellTimeoutSeconds = wholeNumber("--cell-timeout", 1, MAX_CELL_TIMEOUT_MS / 1000, "seconds (24 h)");
export const wallClockSeconds = wholeNumber("--wall-clock", 1, MAX_WALL_CLOCK_MS / 1000, "seconds (7 days)");

/** A parser for a flag that takes one of a few words. */
export function oneOf<T extends string>(flag: string, values: readonly T[]): (value: string) => T {
  return (value) => {
    if ((values as readonly string[]).includes(value)) return value as T;
    throw new UsageError(`${flag} must be one of ${values.join(", ")} (got "${value}")`);
  };
}

export const executorKind = oneOf("--executor", EXECUTOR_KINDS);
export const actionFormat = oneOf("--action-format", ACTION_FORMATS);

/** A parser for a flag holding an http(s) URL; `example` shows what one looks like. */
export function httpUrl(flag: string, example: string): (value: string) => string {
  return (value) => {
    let url: URL | undefined;
    try {
      url = new URL(value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== "http:" && url.protocol !== "https:")) throw new UsageError(`${flag} must be an http:// or https:// URL such as ${example} (got "${value}")`);
    return value;
  };
}

/** Reads and checks a JSON file against `schema`; every failure names the flag, the file and what is wrong. */
export function readJsonFlag<S extends z.ZodType>(flag: string, path: string, schema: S): z.output<S> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : code === "EACCES" ? "permission denied" : (err as Error).message;
    throw new UsageError(`${flag} ${path}: cannot read it (${why})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${flag} ${path}: not valid JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new UsageError(`${flag} ${path}: ${zodIssuesText(parsed.error)}`);
  return parsed.data;
}

/** The flags of run, resume and chat (parsed and checked by addRunFlags). */
export interface RunFlags {
  model?: string;
  baseUrl?: string;
  apiKey?: string;
  executor: ExecutorKind;
  remoteUrl?: string;
  remoteToken?: string;
  maxIterations?: number;
  maxDebug?: number;
  cellTimeout?: number;
  wallClock?: number;
  tokenBudget?: number;
  modelTimeout?: number;
  thread?: string;
  json?: boolean;
  out?: string;
  checkpoints?: string;
  postgres?: string;
  memory?: boolean;
  scripted?: string;
  approve?: boolean;
  actionFormat?: ActionFormat;
  critic?: "claims" | "every-action";
  context?: "conversation" | "window";
  contextTokens?: number;
  vision?: boolean;
  /** `--input` paths (files or folders) for /workspace/inputs/. */
  input?: string[];
  /** resume only: the answer to the agent's pending ask_user() question. */
  answer?: string;
  /** resume only, with --answer: which waiting sub-agent (its thread id) the answer is for. */
  for?: string;
  /** Tool modules (absolute paths), recorded with the thread. */
  tools?: string[];
  /** MCP config file (absolute path), recorded with the thread. */
  mcp?: string;
  /** Sub-agent profiles folder (absolute path): delegate() is on; recorded with the thread. */
  agents?: string;
}
