/**
 * LangSmith tracing end to end: the real `langsmith` client and LangChain tracer send to a local
 * receiver; the run tree has the graph, its nodes, model calls, code executions with their code and
 * outputs, and bridge tool calls nested under the execution that made them.
 */
import { createServer } from "node:net";
import { tool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import { z } from "zod";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { ToolBridge } from "../../tools/bridge";
import { type LangSmithReceiver, startLangSmithReceiver } from "../helpers/langsmith-receiver";

const ENV = ["LANGSMITH_TRACING", "LANGSMITH_ENDPOINT", "LANGSMITH_API_KEY", "LANGSMITH_PROJECT", "LANGCHAIN_CALLBACKS_BACKGROUND"] as const;
const saved = Object.fromEntries(ENV.map((k) => [k, process.env[k]]));
afterEach(() => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
});

function scripted() {
  const lookup = tool(async ({ sku }) => ({ sku, stock: 7 }), { name: "stock_level", description: "Units in stock.", schema: z.object({ sku: z.string() }) });
  return {
    tools: new ToolBridge([lookup]),
    models: {
      planner: new ScriptedChatModel({ script: ['{"steps": [{"description": "check stock", "doneCriterion": "printed"}]}'] }),
      coder: new ScriptedChatModel({ script: ["<execute>\nn = stock_level('A-1')['stock']\nprint('stock', n)\n</execute>", "<solution>7</solution>"] }),
      critic: new ScriptedChatModel({ script: ['{"verdict": "done", "answer": "7"}'] }),
    },
  };
}

describe("LangSmith tracing", () => {
  let receiver: LangSmithReceiver;
  const executor = new DockerJupyterExecutor();
  afterAll(() => executor.shutdown());
  afterEach(() => receiver?.close());

  it("traces nodes, model calls and code executions with nested tool calls and thread metadata", async () => {
    receiver = await startLangSmithReceiver();
    Object.assign(process.env, { LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: receiver.url, LANGSMITH_API_KEY: "test-key", LANGSMITH_PROJECT: "codeact-test" });
    const { models, tools } = scripted();
    const graph = createCodeActGraph({ models, executor, tools, checkpointer: new MemorySaver() });
    const state = await runCodeAct(graph, "How many A-1 are in stock?", { threadId: "traced-thread" });
    expect(state.status).toBe("done");
    const deadline = Date.now() + 10_000;
    const find = (name: string) => [...receiver.runs.values()].filter((r) => r.name === name);
    while (Date.now() < deadline && (find("execute_code").every((r) => !r.end_time) || !find("codeact").some((r) => r.end_time))) await new Promise((r) => setTimeout(r, 100));

    const root = find("codeact")[0]!;
    expect(root).toBeDefined();
    for (const node of ["planner", "coder", "executor", "critic"]) expect(find(node).length).toBeGreaterThan(0);
    // planner, coder twice, critic once (on the answer).
    expect(find("ScriptedChatModel").length).toBeGreaterThanOrEqual(4);
    const exec = find("execute_code")[0]!;
    expect(exec.run_type).toBe("tool");
    expect(exec.inputs).toEqual({ code: "n = stock_level('A-1')['stock']\nprint('stock', n)" });
    expect(exec.outputs).toMatchObject({ status: "ok", stdout: "stock 7\n" });
    expect(exec.parent_run_id).toBe(find("executor")[0]!.id);
    expect(exec.extra?.metadata).toMatchObject({ thread_id: "traced-thread", checkpoint_id: expect.stringMatching(/^[0-9a-f-]{36}$/) });
    const toolRun = find("stock_level")[0]!;
    expect(toolRun.parent_run_id).toBe(exec.id);
    expect(toolRun.trace_id).toBe(root.id);
    expect(receiver.requests.some((r) => r.includes("/runs"))).toBe(true);
  }, 60_000);

  it("a failed cell and a tool call its schema refused are traced as errors with their message", async () => {
    receiver = await startLangSmithReceiver();
    Object.assign(process.env, { LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: receiver.url, LANGSMITH_API_KEY: "test-key", LANGSMITH_PROJECT: "codeact-test" });
    const { tools } = scripted();
    const models = {
      planner: new ScriptedChatModel({ script: ['{"steps": [{"description": "check stock", "doneCriterion": "printed"}]}'] }),
      coder: new ScriptedChatModel({
        script: ["<execute>\ntry:\n    stock_level(sku=5)\nexcept Exception as e:\n    print('refused', type(e).__name__)\nprint(1 / 0)\n</execute>", "<solution>none</solution>"],
      }),
      critic: new ScriptedChatModel({ script: ['{"verdict": "done", "answer": "none"}'] }),
    };
    const graph = createCodeActGraph({ models, executor, tools, checkpointer: new MemorySaver() });
    const state = await runCodeAct(graph, "How many A-1 are in stock?", { threadId: "traced-errors" });
    expect(state.cells[0]!.result).toMatchObject({ status: "error", stdout: expect.stringContaining("refused") });
    const find = (name: string) => [...receiver.runs.values()].filter((r) => r.name === name);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (find("execute_code").every((r) => !r.end_time) || find("stock_level").every((r) => !r.end_time))) await new Promise((r) => setTimeout(r, 100));
    const exec = find("execute_code")[0]!;
    expect(exec.error).toBe("ZeroDivisionError: division by zero");
    expect(exec.outputs).toMatchObject({ status: "error" });
    const refused = find("stock_level")[0]!;
    expect(refused).toMatchObject({ run_type: "tool", parent_run_id: exec.id, inputs: { args: { sku: 5 } } });
    expect(refused.error).toBe("invalid arguments for stock_level(): sku: expected str, got int 5");
    expect(refused.end_time).toBeTruthy();
  }, 60_000);

  it("credentials inside URLs that code printed or a model wrote are masked in every traced run", async () => {
    receiver = await startLangSmithReceiver();
    Object.assign(process.env, { LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: receiver.url, LANGSMITH_API_KEY: "test-key", LANGSMITH_PROJECT: "codeact-test" });
    const { tools } = scripted();
    const models = {
      planner: new ScriptedChatModel({ script: ['{"steps": [{"description": "fetch", "doneCriterion": "printed"}]}'] }),
      coder: new ScriptedChatModel({ script: ["<execute>\nprint('https://bob:S3CRET@db.example/x?api_key=K3Y')\n</execute>", "<solution>https://h/?token=T0K</solution>"] }),
      critic: new ScriptedChatModel({ script: ['{"verdict": "done", "answer": "https://h/?token=T0K"}'] }),
    };
    const graph = createCodeActGraph({ models, executor, tools, checkpointer: new MemorySaver() });
    await runCodeAct(graph, "Print the database URL", { threadId: "traced-secrets" });
    const find = (name: string) => [...receiver.runs.values()].filter((r) => r.name === name);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (find("execute_code").every((r) => !r.end_time) || !find("codeact").some((r) => r.end_time))) await new Promise((r) => setTimeout(r, 100));
    expect(find("execute_code")[0]!.outputs).toMatchObject({ stdout: "https://bob:***@db.example/x?api_key=***\n" });
    const sent = JSON.stringify([...receiver.runs.values()]);
    expect(sent).not.toMatch(/S3CRET|K3Y|T0K/);
  }, 60_000);

  it("an unreachable endpoint neither fails nor stalls a run", async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, "127.0.0.1", () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    Object.assign(process.env, { LANGSMITH_TRACING: "true", LANGSMITH_ENDPOINT: `http://127.0.0.1:${port}`, LANGSMITH_API_KEY: "k" });
    // The failure is reported once on stderr; any warning langsmith itself still prints lands here.
    const warnings: unknown[] = [];
    console.warn = (...args: unknown[]) => void warnings.push(args);
    const { models, tools } = scripted();
    const graph = createCodeActGraph({ models, executor, tools, checkpointer: new MemorySaver() });
    const started = Date.now();
    const state = await runCodeAct(graph, "How many A-1 are in stock?", { threadId: "no-endpoint" });
    expect(state.status).toBe("done");
    expect(Date.now() - started).toBeLessThan(15_000);
  }, 60_000);

  it("is off by default: nothing is sent", async () => {
    receiver = await startLangSmithReceiver();
    for (const k of ["LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2"]) delete process.env[k];
    process.env.LANGSMITH_ENDPOINT = receiver.url;
    const { models, tools } = scripted();
    await runCodeAct(createCodeActGraph({ models, executor, tools }), "How many?", { threadId: "off" });
    await new Promise((r) => setTimeout(r, 500));
    expect(receiver.requests).toEqual([]);
  }, 60_000);
});
