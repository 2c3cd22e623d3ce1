/**
 * Chat models from any LangChain provider, named "provider:model" ("anthropic:claude-sonnet-4-5",
 * "ollama:llama3.1", "google-genai:gemini-2.5-flash"). Which prefixes are providers, and which
 * package and class serve each, come from LangChain's universal chat model table
 * (`MODEL_PROVIDER_CONFIG` in `langchain/chat_models/universal`, the table `initChatModel` reads).
 * A bare name, or "openai:", stays on the OpenAI-compatible path (nodes/models/models.ts).
 *
 * Why not call `initChatModel` itself: from this CommonJS package it `import()`s the provider's ES
 * module build, which brings a second copy of @langchain/core (measured: the model it returns is
 * not an instance of our BaseChatModel), so callbacks, tracing and message classes would cross two
 * copies; and it wraps the model in a ConfigurableModel that hides the provider's type and endpoint
 * (structured output and error messages read them). So the same table, and the provider's CommonJS
 * build, loaded only when a run names that provider (`codeact history` and `--help` load none).
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { recordModelTarget } from "./model-errors";
import { CodeActError, type CodeActErrorOptions } from "../../errors";

export interface ModelSpec {
  provider: string;
  name: string;
}

type Universal = typeof import("langchain/chat_models/universal");
let universal: Universal | undefined;

/** LangChain's provider → { package, className } table, loaded on first use. */
export function providerTable(): Record<string, { package: string; className: string }> {
  universal ??= require("langchain/chat_models/universal") as Universal;
  return universal.MODEL_PROVIDER_CONFIG as Record<string, { package: string; className: string }>;
}

/**
 * "anthropic:claude-x" → { anthropic, claude-x }. A prefix that is no provider stays part of the
 * name ("llama3:8b" is an Ollama tag served over the OpenAI-compatible API), with `fallback` (the
 * main model's provider, for role models) or "openai" as the provider.
 */
export function parseModelSpec(spec: string, fallback = "openai"): ModelSpec {
  const colon = spec.indexOf(":");
  if (colon > 0) {
    const provider = spec.slice(0, colon);
    if (Object.hasOwn(providerTable(), provider)) {
      const name = spec.slice(colon + 1);
      if (!name) throw new CodeActError("usage", `Model "${spec}" names the provider "${provider}" but no model: write ${provider}:<model name>.`);
      return { provider, name };
    }
  }
  return { provider: fallback, name: spec };
}

/**
 * What codeact knows of each provider's endpoint: the environment variables its package reads for
 * the key and base URL, its constructor's base-URL option (checked in each package's source), and
 * the URL it calls by default (for error messages). A provider missing here still works with its
 * package's own defaults; only `--base-url` is refused for it.
 */
interface ProviderEndpoint {
  keyEnv: string[];
  urlEnv?: string[];
  defaultUrl: string;
  urlOption: (url: string) => Record<string, unknown>;
  /** Per-attempt timeout, where the package has an option for it (else the run's wall clock bounds the call). */
  timeoutOption?: (ms: number) => Record<string, unknown>;
}

const ENDPOINTS: Record<string, ProviderEndpoint> = {
  openai: { keyEnv: ["OPENAI_API_KEY"], urlEnv: ["OPENAI_BASE_URL"], defaultUrl: "https://api.openai.com/v1", urlOption: (u) => ({ configuration: { baseURL: u } }), timeoutOption: (ms) => ({ timeout: ms }) },
  anthropic: {
    keyEnv: ["ANTHROPIC_API_KEY"],
    urlEnv: ["ANTHROPIC_API_URL", "ANTHROPIC_BASE_URL"],
    defaultUrl: "https://api.anthropic.com",
    urlOption: (u) => ({ anthropicApiUrl: u }),
    timeoutOption: (ms) => ({ clientOptions: { timeout: ms } }),
  },
  "google-genai": { keyEnv: ["GOOGLE_API_KEY", "GEMINI_API_KEY"], defaultUrl: "https://generativelanguage.googleapis.com", urlOption: (u) => ({ baseUrl: u }) },
  ollama: { keyEnv: [], urlEnv: ["OLLAMA_BASE_URL"], defaultUrl: "http://127.0.0.1:11434", urlOption: (u) => ({ baseUrl: u }) },
  groq: { keyEnv: ["GROQ_API_KEY"], defaultUrl: "https://api.groq.com/openai/v1", urlOption: (u) => ({ baseUrl: u }), timeoutOption: (ms) => ({ timeout: ms }) },
  mistralai: { keyEnv: ["MISTRAL_API_KEY"], defaultUrl: "https://api.mistral.ai", urlOption: (u) => ({ serverURL: u }) },
};
ENDPOINTS.mistral = ENDPOINTS.mistralai!;

/** The base URL the operator's environment sets for a provider (OPENAI_BASE_URL, ANTHROPIC_BASE_URL, …). */
export function providerUrlFromEnv(provider: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  for (const name of ENDPOINTS[provider]?.urlEnv ?? []) if (env[name]) return env[name];
  return undefined;
}

/** The variable(s) holding a provider's key, for messages ("set ANTHROPIC_API_KEY"). */
export function providerKeyEnv(provider: string): string[] {
  return ENDPOINTS[provider]?.keyEnv ?? [];
}

export function providerAcceptsBaseUrl(provider: string): boolean {
  return ENDPOINTS[provider] !== undefined;
}

export class ProviderSetupError extends CodeActError {
  constructor(message: string, options?: CodeActErrorOptions) {
    super("model", message, options);
    this.name = "ProviderSetupError";
  }
}

function loadClass(spec: ModelSpec): new (fields: Record<string, unknown>) => BaseChatModel {
  const entry = providerTable()[spec.provider]!;
  let mod: Record<string, unknown>;
  try {
    mod = require(entry.package) as Record<string, unknown>;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === "MODULE_NOT_FOUND" && e.message?.includes(`'${entry.package}'`)) {
      throw new ProviderSetupError(`The model "${spec.provider}:${spec.name}" needs the package ${entry.package}, which is not installed. Install it next to codeact: npm install ${entry.package}`);
    }
    throw err;
  }
  const cls = mod[entry.className];
  if (typeof cls !== "function") throw new ProviderSetupError(`${entry.package} has no ${entry.className} export (is it an old version? npm install ${entry.package}@latest)`);
  return cls as new (fields: Record<string, unknown>) => BaseChatModel;
}

export interface ProviderModelOptions {
  baseUrl?: string;
  /** Undefined: the package reads its own environment variable (ANTHROPIC_API_KEY, …). */
  apiKey?: string;
  temperature: number;
  timeoutMs: number;
  maxRetries: number;
}

/** A chat model of a provider other than the OpenAI-compatible default. */
export function createProviderModel(spec: ModelSpec, o: ProviderModelOptions): BaseChatModel {
  const ep = ENDPOINTS[spec.provider];
  if (o.baseUrl && !ep) {
    throw new ProviderSetupError(`A base URL is not supported for the provider "${spec.provider}" (codeact knows no base-URL option of its package).`, {
      hint: "Leave baseUrl out to use the provider's own endpoint.",
      step: "drop_base_url",
      subject: spec.provider,
    });
  }
  const Model = loadClass(spec);
  const fields: Record<string, unknown> = {
    model: spec.name,
    temperature: o.temperature,
    maxRetries: o.maxRetries,
    ...(o.apiKey !== undefined ? { apiKey: o.apiKey } : {}),
    ...(o.baseUrl && ep ? ep.urlOption(o.baseUrl) : {}),
    ...(ep?.timeoutOption?.(o.timeoutMs) ?? {}),
  };
  let model: BaseChatModel;
  try {
    model = new Model(fields);
  } catch (err) {
    const keys = providerKeyEnv(spec.provider);
    const key = keys.length && /key/i.test((err as Error).message) ? { hint: `Set ${keys.join(" or ")}, or give apiKey.`, step: "set_api_key" as const, subject: keys.join(" or ") } : undefined;
    throw new ProviderSetupError(`Cannot set up the model "${spec.provider}:${spec.name}": ${(err as Error).message.split("\n")[0]}.`, key);
  }
  recordModelTarget(model, {
    endpoint: o.baseUrl ?? providerUrlFromEnv(spec.provider) ?? ep?.defaultUrl ?? `the ${spec.provider} API`,
    model: `${spec.provider}:${spec.name}`,
    timeoutMs: ep?.timeoutOption ? o.timeoutMs : undefined,
    urlEnv: ep?.urlEnv?.length ? ep.urlEnv[ep.urlEnv.length - 1] : undefined,
  });
  return model;
}
