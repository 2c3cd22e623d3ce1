/**
 * Models of any LangChain provider ("provider:name"), through the real @langchain/anthropic client
 * against a local fake Anthropic Messages endpoint: which model, key and URL each role gets, the
 * missing-package message, text-path JSON, and errors that name the endpoint and model.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { callModel } from "../../nodes/context";
import { ModelCallError, WallClockError } from "../../nodes/models/model-errors";
import { createRoleModels, hasModelEndpoint, modelConfigFromEnv } from "../../nodes/models/models";
import { parseModelSpec } from "../../nodes/models/providers";
import { askForJson } from "../../nodes/models/structured";
import { startFakeAnthropic } from "../helpers/fake-anthropic";
import { startFakeOpenAI } from "../helpers/fake-openai";

describe("model providers", () => {
  it("reads provider:name with LangChain's provider table; other colons stay in the name", () => {
    expect(parseModelSpec("anthropic:claude-x")).toEqual({ provider: "anthropic", name: "claude-x" });
    expect(parseModelSpec("google-genai:gemini-2.5-flash")).toEqual({ provider: "google-genai", name: "gemini-2.5-flash" });
    expect(parseModelSpec("openai:gpt-4o")).toEqual({ provider: "openai", name: "gpt-4o" });
    // Ollama tags over the OpenAI-compatible API: not a provider prefix.
    expect(parseModelSpec("llama3:8b")).toEqual({ provider: "openai", name: "llama3:8b" });
    expect(parseModelSpec("qwen2.5:7b", "anthropic")).toEqual({ provider: "anthropic", name: "qwen2.5:7b" });
    expect(() => parseModelSpec("anthropic:")).toThrow(/names the provider "anthropic" but no model/);
  });

  it("never hands OPENAI_API_KEY or OPENAI_BASE_URL to another provider's model", () => {
    const env = { OPENAI_API_KEY: "sk-openai", OPENAI_BASE_URL: "http://127.0.0.1:1/v1", ANTHROPIC_BASE_URL: "http://127.0.0.1:2", CODEACT_MODEL: "anthropic:claude-x" };
    const fromEnv = modelConfigFromEnv(env);
    expect(fromEnv).toMatchObject({ model: "anthropic:claude-x", baseUrl: "http://127.0.0.1:2", endpoints: { openai: { apiKey: "sk-openai", baseUrl: "http://127.0.0.1:1/v1" } } });
    expect(fromEnv.apiKey).toBeUndefined();
    // A --model flag chooses before the endpoint is read.
    const flagged = modelConfigFromEnv({ ...env, CODEACT_MODEL: "gpt-4o" }, "anthropic:claude-y");
    expect(flagged.model).toBe("anthropic:claude-y");
    expect(flagged.apiKey).toBeUndefined();
    expect(modelConfigFromEnv({ ...env, CODEACT_MODEL: "anthropic:claude-x" }, "gpt-4o")).toMatchObject({ model: "gpt-4o", apiKey: "sk-openai", baseUrl: "http://127.0.0.1:1/v1" });
    expect(hasModelEndpoint({ CODEACT_MODEL: "anthropic:claude-x" })).toBe(true);
    expect(hasModelEndpoint({})).toBe(false);
  });

  it("ChatAnthropic talks to the Messages endpoint, plain and streaming, with the model name and key it was given", async () => {
    const fake = await startFakeAnthropic(["plain reply", "a streamed reply long enough to come in parts"]);
    try {
      const models = createRoleModels({ model: "anthropic:claude-x", baseUrl: fake.baseUrl, apiKey: "sk-ant-test", roles: { critic: "claude-small" } });
      expect(models.planner).toBe(models.coder);
      expect(models.planner._llmType()).toBe("anthropic");
      const plain = await models.planner.invoke([new SystemMessage("be brief"), new HumanMessage("hi")]);
      expect(plain.content).toBe("plain reply");
      expect(plain.usage_metadata?.total_tokens).toBeGreaterThan(0);
      const parts: string[] = [];
      for await (const c of await models.critic.stream([new HumanMessage("stream please")])) parts.push(String(c.content));
      expect(parts.join("")).toBe("a streamed reply long enough to come in parts");
      // A bare role name keeps the main model's provider, endpoint and key.
      expect(fake.requests.map((r) => [r.model, Boolean(r.stream), r.apiKey])).toEqual([
        ["claude-x", false, "sk-ant-test"],
        ["claude-small", true, "sk-ant-test"],
      ]);
      expect(fake.requests[0]!.system).toBe("be brief");
    } finally {
      await fake.close();
    }
  });

  it("mixes providers per role: each role reaches its own provider's endpoint with that provider's key", async () => {
    const anthropic = await startFakeAnthropic(["from claude"]);
    const openai = await startFakeOpenAI(["from gpt"]);
    try {
      const env = { OPENAI_BASE_URL: openai.baseUrl, OPENAI_API_KEY: "sk-openai-key", CODEACT_MODEL: "gpt-x", CODEACT_CODER_MODEL: "anthropic:claude-coder" };
      const config = modelConfigFromEnv(env);
      const models = createRoleModels({ ...config, endpoints: { anthropic: { baseUrl: anthropic.baseUrl, apiKey: "sk-ant-key" } } });
      expect((await models.coder.invoke([new HumanMessage("code")])).content).toBe("from claude");
      expect((await models.planner.invoke([new HumanMessage("plan")])).content).toBe("from gpt");
      expect(anthropic.requests.map((r) => [r.model, r.apiKey])).toEqual([["claude-coder", "sk-ant-key"]]);
      expect(openai.requests.map((r) => [r.model, r.authorization])).toEqual([["gpt-x", "Bearer sk-openai-key"]]);
    } finally {
      await anthropic.close();
      await openai.close();
    }
  });

  it("a provider whose package is not installed says which package to install", () => {
    // Honest only while @langchain/groq is really absent from this checkout.
    expect(() => require.resolve("@langchain/groq")).toThrow();
    expect(() => createRoleModels({ model: "groq:llama-3.3-70b" })).toThrow(/"groq:llama-3.3-70b" needs the package @langchain\/groq, which is not installed.*npm install @langchain\/groq/);
    expect(() => createRoleModels({ model: "gpt-x", baseUrl: "http://127.0.0.1:1/v1", roles: { critic: "mistralai:mistral-large" } })).toThrow(/npm install @langchain\/mistralai/);
  });

  it("a missing key or an unsupported --base-url is a clear setup error", () => {
    const saved = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      expect(() => createRoleModels({ model: "anthropic:claude-x" })).toThrow(/Cannot set up the model "anthropic:claude-x": Anthropic API key not found\. Set ANTHROPIC_API_KEY, or give apiKey/);
    } finally {
      if (saved !== undefined) process.env.ANTHROPIC_API_KEY = saved;
    }
    expect(() => createRoleModels({ model: "cohere:command-r", baseUrl: "http://127.0.0.1:1" })).toThrow(/A base URL is not supported for the provider "cohere"/);
  });

  it("planner/critic JSON from Anthropic takes the text path (no OpenAI response_format), parsed with zod", async () => {
    const fake = await startFakeAnthropic(['Here it is: {"verdict": "done", "answer": "42"}']);
    try {
      const { critic } = createRoleModels({ model: "anthropic:claude-x", baseUrl: fake.baseUrl, apiKey: "k" });
      const schema = z.object({ verdict: z.enum(["done", "next"]), answer: z.string() });
      const r = await askForJson(critic, [new HumanMessage("judge")], schema, () => ({ verdict: "next" as const, answer: "" }));
      expect(r).toMatchObject({ value: { verdict: "done", answer: "42" }, structured: false, fellBack: false });
      expect(fake.requests[0]).not.toHaveProperty("response_format");
      expect(fake.requests[0]!.tools).toBeUndefined();
    } finally {
      await fake.close();
    }
  });

  it("model-call failures name the Anthropic endpoint and model; timeouts and the wall clock bound the call", async () => {
    const fake = await startFakeAnthropic([{ status: 400, message: "max_tokens: too large" }, { misbehave: "hang" }, { misbehave: "hang" }]);
    try {
      const { coder } = createRoleModels({ model: "anthropic:claude-x", baseUrl: fake.baseUrl, apiKey: "k", maxRetries: 0, timeoutMs: 1000 });
      const http = await callModel(coder, [new HumanMessage("x")]).catch((e: unknown) => e);
      expect(http).toBeInstanceOf(ModelCallError);
      expect((http as ModelCallError).message).toMatch(new RegExp(`${fake.baseUrl}.*400.*anthropic:claude-x|anthropic:claude-x.*400`));
      expect((http as ModelCallError).endpoint).toBe(fake.baseUrl);
      const slow = await callModel(coder, [new HumanMessage("x")]).catch((e: unknown) => e);
      expect((slow as Error).message).toMatch(new RegExp(`The model at ${fake.baseUrl} did not answer within 1 s \\(model anthropic:claude-x`));
      const { coder: patient } = createRoleModels({ model: "anthropic:claude-x", baseUrl: fake.baseUrl, apiKey: "k", maxRetries: 0, timeoutMs: 60_000 });
      const late = await callModel(patient, [new HumanMessage("x")], undefined, { at: Date.now() + 500, wallClockMs: 500 }).catch((e: unknown) => e);
      expect(late).toBeInstanceOf(WallClockError);
    } finally {
      await fake.close();
    }
    const { coder: gone } = createRoleModels({ model: "anthropic:claude-x", baseUrl: "http://127.0.0.1:9", apiKey: "k", maxRetries: 0 });
    const refused = await callModel(gone, [new HumanMessage("x")]).catch((e: unknown) => e);
    expect((refused as Error).message).toMatch(/Could not reach the model at http:\/\/127\.0\.0\.1:9 .*check ANTHROPIC_BASE_URL or the baseUrl option\./);
  }, 60_000);
});
