/**
 * A broken model endpoint, for real over HTTP: every failure names the endpoint and the model, and a
 * hanging endpoint is cut off by the run's wall clock (the run ends with status wall_clock, checkpointed).
 */
import { HumanMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { LocalJupyterExecutor } from "../../executors/local";
import { callModel } from "../../nodes/context";
import { ModelCallError } from "../../nodes/models/model-errors";
import { createRoleModels, modelConfigFromEnv } from "../../nodes/models/models";
import { type FakeOpenAI, type Misbehaviour, startFakeOpenAI } from "../helpers/fake-openai";
import { freePort } from "../helpers/jupyter-server";

async function failure(baseUrl: string): Promise<ModelCallError> {
  const { coder } = createRoleModels({ model: "m-1", baseUrl, maxRetries: 1, timeoutMs: 30_000 });
  const err = await callModel(coder, [new HumanMessage("hi")]).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ModelCallError);
  return err as ModelCallError;
}

describe("model endpoint failures", () => {
  let server: FakeOpenAI | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it.each([
    ["drop", /closed the connection in the middle of its reply \(.*\bterminated\b/],
    ["truncated", /not valid JSON \((SyntaxError: )?Unexpected end of JSON input/],
  ] as const)("%s: the error names the endpoint and the model", async (misbehave, reason) => {
    server = await startFakeOpenAI([{ misbehave } satisfies Misbehaviour], { repeatLast: true });
    const err = await failure(server.baseUrl);
    expect(err.message).toContain(server.baseUrl);
    expect(err.message).toContain("m-1");
    expect(err.message).toMatch(reason);
  });

  it("refused connection and HTTP errors name the endpoint", async () => {
    const url = `http://127.0.0.1:${await freePort()}/v1`;
    expect((await failure(url)).message).toContain(`Could not reach the model at ${url}`);
    server = await startFakeOpenAI([], { repeatLast: false }); // answers 500: script exhausted
    const http = await failure(server.baseUrl);
    expect(http.message).toMatch(new RegExp(`${server.baseUrl.replace(/[.]/g, "\\.")} answered HTTP 500 for model m-1`));
  });

  it("CODEACT_MODEL_TIMEOUT bounds each attempt; the error says so and names the endpoint", async () => {
    server = await startFakeOpenAI([{ misbehave: "hang" }], { repeatLast: true });
    const { coder } = createRoleModels({ ...modelConfigFromEnv({ OPENAI_BASE_URL: server.baseUrl, CODEACT_MODEL_TIMEOUT: "1", CODEACT_MODEL: "slow-model" }), maxRetries: 0 });
    const err = await callModel(coder, [new HumanMessage("hi")]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ModelCallError);
    expect((err as Error).message).toContain(`The model at ${server.baseUrl} did not answer within 1 s (model slow-model`);
    expect(() => modelConfigFromEnv({ CODEACT_MODEL_TIMEOUT: "soon" })).toThrow(/CODEACT_MODEL_TIMEOUT must be a number of seconds/);
  });

  it("a hanging endpoint ends the run at the wall clock with status wall_clock, checkpointed", async () => {
    server = await startFakeOpenAI([{ misbehave: "hang" }], { repeatLast: true });
    const executor = new LocalJupyterExecutor();
    const saver = new MemorySaver();
    try {
      const graph = createCodeActGraph({ models: createRoleModels({ baseUrl: server.baseUrl }), executor, checkpointer: saver, limits: { wallClockMs: 1500 } });
      const state = await runCodeAct(graph, "never answered", { threadId: "hang" });
      expect(state.status).toBe("wall_clock");
      expect(state.statusDetail).toMatch(/wall-clock limit/);
      const saved = await graph.getState({ configurable: { thread_id: "hang" } });
      expect(saved.values.status).toBe("wall_clock");
      expect(saved.next).toEqual([]);
      expect(server.requests.length).toBe(1);
    } finally {
      await executor.shutdown();
    }
  }, 60_000);
});
