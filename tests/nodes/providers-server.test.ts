/**
 * The LangGraph server's factory with "provider:name" models: a caller picks only what the
 * operator's policy lists, and the operator's keys (ANTHROPIC_API_KEY as well as OPENAI_API_KEY)
 * reach only the operator's endpoints. Real @langchain/anthropic client, local fake endpoints.
 */
import { randomUUID } from "node:crypto";
import { runCodeAct } from "../../graphs/run";
import { graph } from "../../graphs/server";
import { type FakeAnthropic, startFakeAnthropic } from "../helpers/fake-anthropic";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";

const ENV = ["CODEACT_SERVER_POLICY", "CODEACT_SERVER_POLICY_FILE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEACT_MODEL", "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL", "ANTHROPIC_API_URL", "LANGSMITH_TRACING"] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const ANSWER = ['{"steps": [{"description": "answer", "doneCriterion": "answered"}]}', "<solution>42</solution>", '{"verdict": "done", "answer": "42"}'];
const SECRETS = ["sk-operator-openai", "sk-ant-operator"];

describe("server policy with provider:name models", () => {
  let operatorAnthropic: FakeAnthropic;
  let callerAnthropic: FakeAnthropic;
  let operatorOpenAI: FakeOpenAI;
  beforeEach(async () => {
    operatorAnthropic = await startFakeAnthropic(ANSWER);
    callerAnthropic = await startFakeAnthropic(ANSWER);
    operatorOpenAI = await startFakeOpenAI(ANSWER);
    for (const k of ENV) delete process.env[k];
    Object.assign(process.env, {
      OPENAI_API_KEY: SECRETS[0],
      OPENAI_BASE_URL: operatorOpenAI.baseUrl,
      CODEACT_MODEL: "operator-model",
      ANTHROPIC_API_KEY: SECRETS[1],
      ANTHROPIC_BASE_URL: operatorAnthropic.baseUrl,
      LANGSMITH_TRACING: "false",
    });
  });
  afterEach(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await operatorAnthropic.close();
    await callerAnthropic.close();
    await operatorOpenAI.close();
  });

  const build = (configurable: Record<string, unknown>) => graph({ configurable: { thread_id: randomUUID(), ...configurable } });
  const noSecrets = (requests: object[]) => {
    for (const r of requests) for (const s of SECRETS) expect(JSON.stringify(r)).not.toContain(s);
  };

  it("refuses a provider model the policy does not list", async () => {
    await expect(build({ model: "anthropic:claude-x" })).rejects.toThrow(/does not let callers set model "anthropic:claude-x"/);
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ models: ["anthropic:claude-x"] });
    await expect(build({ model: "anthropic:claude-opus" })).rejects.toThrow(/model "anthropic:claude-opus".*allowed: anthropic:claude-x/);
    expect(operatorAnthropic.requests).toEqual([]);
  });

  it("serves a listed Anthropic model on the operator's Anthropic endpoint with the operator's Anthropic key, never the OpenAI key", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ models: ["anthropic:claude-x"] });
    const state = await runCodeAct(await build({ model: "anthropic:claude-x" }), "what is 6 x 7?");
    expect(state.answer).toBe("42");
    expect(operatorAnthropic.requests.map((r) => [r.model, r.apiKey])).toEqual(Array(3).fill(["claude-x", SECRETS[1]]));
    expect(JSON.stringify(operatorAnthropic.requests)).not.toContain(SECRETS[0]);
    expect(operatorOpenAI.requests).toEqual([]);
  });

  it("a caller's Anthropic endpoint gets the caller's key, or none of the operator's", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ models: ["anthropic:claude-x"], baseUrls: ["*"] });
    await runCodeAct(await build({ model: "anthropic:claude-x", base_url: callerAnthropic.baseUrl }), "what is 6 x 7?");
    expect(callerAnthropic.requests).toHaveLength(3);
    noSecrets(callerAnthropic.requests);
    const withKey = await startFakeAnthropic(ANSWER);
    try {
      await runCodeAct(await build({ model: "anthropic:claude-x", base_url: withKey.baseUrl, api_key: "caller-key" }), "what is 6 x 7?");
      expect(withKey.requests.map((r) => r.apiKey)).toEqual(Array(3).fill("caller-key"));
      noSecrets(withKey.requests);
    } finally {
      await withKey.close();
    }
    expect(operatorAnthropic.requests).toEqual([]);
    expect(operatorOpenAI.requests).toEqual([]);
  });

  it("the operator's own Anthropic URL named by a caller still gets the operator's key", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ models: ["anthropic:claude-x"], baseUrls: [operatorAnthropic.baseUrl] });
    await runCodeAct(await build({ model: "anthropic:claude-x", base_url: operatorAnthropic.baseUrl }), "what is 6 x 7?");
    expect(operatorAnthropic.requests.map((r) => r.apiKey)).toEqual(Array(3).fill(SECRETS[1]));
  });
});
