/** The real ChatOpenAI client path against a local OpenAI-compatible server. */
import { HumanMessage } from "@langchain/core/messages";
import { createRoleModels, modelConfigFromEnv } from "../../nodes/models/models";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { startFakeOpenAI } from "../helpers/fake-openai";

describe("models", () => {
  it("reads the endpoint and per-role models from the environment", () => {
    const cfg = modelConfigFromEnv({ OPENAI_BASE_URL: "http://localhost:1/v1", CODEACT_MODEL: "qwen", CODEACT_CRITIC_MODEL: "big" });
    expect(cfg).toMatchObject({ model: "qwen", baseUrl: "http://localhost:1/v1", roles: { critic: "big" } });
    expect(() => createRoleModels({ model: "x" })).toThrow(/OPENAI_API_KEY.*OPENAI_BASE_URL/);
  });

  it("ChatOpenAI talks to an OpenAI-compatible server, plain and streaming, per role", async () => {
    const server = await startFakeOpenAI(["plain reply", "streamed reply that is long enough to span chunks"]);
    try {
      const models = createRoleModels({ model: "base-model", baseUrl: server.baseUrl, roles: { critic: "critic-model" } });
      const plain = await models.planner.invoke([new HumanMessage("hi")]);
      expect(plain.content).toBe("plain reply");
      expect(plain.usage_metadata?.total_tokens).toBeGreaterThan(50);
      const chunks: string[] = [];
      for await (const c of await models.critic.stream([new HumanMessage("stream please")])) chunks.push(String(c.content));
      expect(chunks.join("")).toBe("streamed reply that is long enough to span chunks");
      expect(chunks.filter(Boolean).length).toBeGreaterThan(2);
      expect(server.requests.map((r) => [r.model, Boolean(r.stream)])).toEqual([["base-model", false], ["critic-model", true]]);
    } finally {
      await server.close();
    }
  });

  it("the scripted model streams and reports usage", async () => {
    const m = new ScriptedChatModel({ script: ["one two three four five six seven"] });
    const parts: string[] = [];
    let usage = 0;
    for await (const c of await m.stream([new HumanMessage("x")])) {
      parts.push(String(c.content));
      usage += c.usage_metadata?.total_tokens ?? 0;
    }
    expect(parts.join("")).toBe("one two three four five six seven");
    expect(usage).toBeGreaterThan(0);
    await expect(m.invoke([new HumanMessage("again")])).rejects.toThrow(/all were used/);
  });

  it("drives the whole graph through ChatOpenAI against the fake server", async () => {
    const server = await startFakeOpenAI([
      '{"steps": [{"description": "square 12", "doneCriterion": "144 printed"}]}',
      "<execute>\nprint(12 ** 2)\n</execute>\n<step_done/>",
      '{"verdict": "next", "feedback": "printed 144"}',
      "<solution>144</solution>",
      '{"verdict": "done", "feedback": "", "answer": "144"}',
    ]);
    const executor = new DockerJupyterExecutor();
    try {
      const graph = createCodeActGraph({ models: createRoleModels({ baseUrl: server.baseUrl }), executor });
      const state = await runCodeAct(graph, "What is 12 squared?", { threadId: "fake-openai" });
      expect(state.status).toBe("done");
      expect(state.answer).toBe("144");
      expect(state.cells[0]!.result.stdout).toBe("144\n");
      expect(server.requests).toHaveLength(5);
      expect(JSON.stringify(server.requests[1]!.messages)).toContain("What is 12 squared?");
      expect(state.tokens).toBeGreaterThan(250);
    } finally {
      await executor.shutdown();
      await server.close();
    }
  }, 60_000);
});
