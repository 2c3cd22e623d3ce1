/**
 * Follow-ups through LangGraph's own dev server (langgraph.json) and the SDK: a second run with
 * `input: { task }` on a thread whose turn ended is a new turn on the same kernel.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { type LangGraphDev, startLangGraphDev } from "../helpers/langgraph-dev";


describe("follow-ups through langgraph dev + SDK", () => {
  let dev: LangGraphDev;
  let client: Client;

  beforeAll(async () => {
    dev = await startLangGraphDev({ OPENAI_API_KEY: "sk-operator-secret" });
    client = dev.client;
  }, 150_000);

  afterAll(() => dev?.stop());

  it("a new input on an ended thread is a follow-up: same kernel, its own answer, the first request kept", async () => {
    const plan = (what: string) => JSON.stringify({ steps: [{ description: what, doneCriterion: "printed" }] });
    // One script for the thread: the server keeps a thread's scripted models (and kernel) between runs.
    const script = {
      planner: [plan("set x"), plan("print x + 1")],
      coder: ["<execute>\nx = 41\nprint('x is', x)\n</execute>\n<step_done/>", "<solution>x is 41</solution>", "<execute>\nprint(x + 1)\n</execute>\n<step_done/>", "<solution>42</solution>"],
      critic: ['{"verdict": "next"}', '{"verdict": "done", "answer": "x is 41"}', '{"verdict": "next"}', '{"verdict": "done", "answer": "42"}'],
    };
    const thread = await client.threads.create();
    const config = { configurable: { provider: "scripted", script, executor: "docker" } };
    const run = async (task: string) => {
      const events: { event: string; data: unknown }[] = [];
      for await (const chunk of client.runs.stream(thread.thread_id, "codeact", { config, streamMode: ["custom", "values"], input: { task } })) events.push(chunk);
      const errors = events.filter((e) => e.event === "error");
      if (errors.length) throw new Error(`run failed: ${JSON.stringify(errors)}\n${dev.log.slice(-3000)}`);
      return events.filter((e) => e.event === "custom").map((e) => e.data as { type: string; [k: string]: unknown });
    };
    type Values = { task: string; request: string; turn: number; status: string; answer: string; turns: { index: number; request: string; answer: string; status: string; firstCell: number }[]; cells: { result: { stdout: string } }[] };

    await run("Set x to 41");
    let values = (await client.threads.getState(thread.thread_id)).values as Values;
    expect(values).toMatchObject({ status: "done", answer: "x is 41", turn: 0 });

    const events = await run("Now print x plus one");
    expect(events.find((e) => e.type === "turn")).toEqual({ type: "turn", index: 1, request: "Now print x plus one" });
    expect(events.some((e) => e.type === "rehydrated")).toBe(false); // the thread's kernel was kept
    values = (await client.threads.getState(thread.thread_id)).values as Values;
    expect(values).toMatchObject({ task: "Set x to 41", request: "Now print x plus one", turn: 1, status: "done", answer: "42" });
    expect(values.turns).toMatchObject([{ index: 0, request: "Set x to 41", answer: "x is 41", status: "done", firstCell: 0 }]);
    expect(values.cells.map((c) => c.result.stdout)).toEqual(["x is 41\n", "42\n"]);
  }, 180_000);

  it("a new input while a turn waits for approval becomes an instruction for that turn (replanned), not a silent reset", async () => {
    const plan = (what: string) => JSON.stringify({ steps: [{ description: what, doneCriterion: "printed" }] });
    const script = {
      planner: [plan("set x"), plan("set x to 50")],
      coder: ["<execute>\nx = 41\n</execute>\n<step_done/>", "<execute>\nx = 50\nprint(x)\n</execute>\n<step_done/>"],
      critic: [],
    };
    const thread = await client.threads.create();
    const config = { configurable: { provider: "scripted", script, executor: "docker", approve: true } };
    const run = async (task: string) => {
      for await (const chunk of client.runs.stream(thread.thread_id, "codeact", { config, input: { task } })) {
        if (chunk.event === "error") throw new Error(`run failed: ${JSON.stringify(chunk.data)}\n${dev.log.slice(-3000)}`);
      }
    };
    await run("Set x to 41");
    let state = await client.threads.getState(thread.thread_id);
    expect((state.tasks[0]?.interrupts[0]?.value as { code: string }).code).toBe("x = 41");

    await run("Use 50 instead");
    state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(["executor"]);
    expect((state.tasks[0]?.interrupts[0]?.value as { code: string }).code).toBe("x = 50\nprint(x)");
    const values = state.values as { task: string; request: string; turn: number; replans: number; cells: unknown[]; messages: { kind: string; content: string }[] };
    expect(values).toMatchObject({ task: "Set x to 41", request: "Set x to 41", turn: 0, replans: 1, cells: [] });
    expect(values.messages.some((m) => m.kind === "user" && m.content === "Instruction from the user: Use 50 instead")).toBe(true);
  }, 180_000);
});
