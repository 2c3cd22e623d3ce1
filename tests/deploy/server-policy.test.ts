/**
 * The operator decides what a LangGraph server caller may choose. This drives the very factory
 * langgraph.json serves (graphs/server.ts) with hostile `configurable`s, and real runs against local
 * fake model servers, checking which server gets called and with which key.
 */
import { randomUUID } from "node:crypto";
import { graph } from "../../graphs/server";
import { runCodeAct } from "../../graphs/run";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";

const ENV = ["CODEACT_SERVER_POLICY", "CODEACT_SERVER_POLICY_FILE", "OPENAI_API_KEY", "OPENAI_BASE_URL", "CODEACT_MODEL", "LANGSMITH_TRACING"] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
const ANSWER = ['{"steps": [{"description": "answer", "doneCriterion": "answered"}]}', "<solution>42</solution>", '{"verdict": "done", "answer": "42"}'];

describe("server policy: what a caller may choose", () => {
  let operator: FakeOpenAI;
  let caller: FakeOpenAI;
  beforeEach(async () => {
    operator = await startFakeOpenAI(ANSWER);
    caller = await startFakeOpenAI(ANSWER);
    for (const k of ENV) delete process.env[k];
    Object.assign(process.env, { OPENAI_API_KEY: "sk-operator-secret", OPENAI_BASE_URL: operator.baseUrl, CODEACT_MODEL: "operator-model", LANGSMITH_TRACING: "false" });
  });
  afterEach(async () => {
    for (const k of ENV) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await operator.close();
    await caller.close();
  });

  const build = (configurable: Record<string, unknown>) => graph({ configurable: { thread_id: randomUUID(), ...configurable } });

  it("by default refuses a caller's base_url, and neither endpoint receives anything (no key leaves the server)", async () => {
    await expect(build({ base_url: caller.baseUrl })).rejects.toThrow(/does not let callers set base_url.*CODEACT_SERVER_POLICY/);
    await expect(build({ base_url: caller.baseUrl, api_key: "mine" })).rejects.toThrow(/base_url/);
    expect(caller.requests).toEqual([]);
    expect(operator.requests).toEqual([]);
  });

  it.each([
    [{ executor: "local" }, /executor "local".*allowed: docker/],
    [{ executor: "remote", remote_url: "http://127.0.0.1:1" }, /executor "remote"/],
    [{ provider: "scripted", script: { planner: [], coder: [], critic: [] } }, /provider "scripted"/],
    [{ model: "expensive-model" }, /model "expensive-model"/],
    [{ api_key: "k" }, /api_key is only accepted together with a base_url/],
    [{ thread_id: "../../etc/passwd" }, /thread id/],
    [{ limits: { maxIterations: "lots" } }, /Invalid configurable: limits.maxIterations/],
  ])("by default refuses %j with a clear error", async (configurable, message) => {
    await expect(build(configurable)).rejects.toThrow(message);
  });

  it("serves a model from the operator's list, on the operator's endpoint with the operator's key", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ models: ["big-model"] });
    const state = await runCodeAct(await build({ model: "big-model" }), "what is 6 x 7?");
    expect(state.answer).toBe("42");
    expect(operator.requests.map((r) => [r.model, r.authorization])).toEqual(Array(3).fill(["big-model", "Bearer sk-operator-secret"]));
    await expect(build({ model: "other-model" })).rejects.toThrow(/model "other-model".*allowed: big-model/);
  });

  it("an allowed caller endpoint gets the caller's own key", async () => {
    const withKey = await startFakeOpenAI(ANSWER);
    try {
      process.env.CODEACT_SERVER_POLICY = JSON.stringify({ baseUrls: ["*"] });
      await runCodeAct(await build({ base_url: withKey.baseUrl, api_key: "caller-key" }), "what is 6 x 7?");
      expect(withKey.requests.map((r) => r.authorization)).toEqual(Array(3).fill("Bearer caller-key"));
    } finally {
      await withKey.close();
    }
    expect(operator.requests).toEqual([]);
  });

  it("a caller endpoint without a key sends none of the server's", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ baseUrls: [caller.baseUrl] });
    const state = await runCodeAct(await build({ base_url: caller.baseUrl }), "what is 6 x 7?");
    expect(state.answer).toBe("42");
    expect(caller.requests).toHaveLength(3);
    for (const r of caller.requests) expect(r.authorization ?? "").not.toContain("sk-operator-secret");
    expect(operator.requests).toEqual([]);
  });

  it("clamps a caller's limits to the operator's maxima, and allows scripted only when the operator says so", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ scripted: true, limits: { maxIterations: 5, wallClockMs: 60_000 } });
    const g = await build({ provider: "scripted", script: { planner: [], coder: [], critic: [] }, limits: { maxIterations: 1000, wallClockMs: 10_000 } });
    expect(g.limits).toMatchObject({ maxIterations: 5, wallClockMs: 10_000 });
  });

  it("runs without a thread never share a kernel or a model script", async () => {
    process.env.CODEACT_SERVER_POLICY = JSON.stringify({ scripted: true });
    const script = { planner: [ANSWER[0]], coder: [ANSWER[1]], critic: [ANSWER[2]] };
    for (let i = 0; i < 2; i++) {
      const state = await runCodeAct(await graph({ configurable: { provider: "scripted", script } }), "what is 6 x 7?");
      expect(state.answer).toBe("42");
    }
  });

  it("says what is wrong with a malformed policy", async () => {
    process.env.CODEACT_SERVER_POLICY = '{"models": "all"}';
    await expect(build({})).rejects.toThrow(/server policy in CODEACT_SERVER_POLICY is not valid: models/);
    process.env.CODEACT_SERVER_POLICY = "{nope";
    await expect(build({})).rejects.toThrow(/not valid JSON/);
  });
});
