/**
 * ask_user() through LangGraph's own dev server (langgraph.json) and the SDK: the run interrupts
 * with the ask_user payload, a resume that is not an answer is refused (the question stays
 * waiting), and Command({ resume }) — a string or { answer } — finishes it.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { type LangGraphDev, startLangGraphDev } from "../helpers/langgraph-dev";

const plan = JSON.stringify({ steps: [{ description: "ask twice", doneCriterion: "printed" }] });
const script = {
  planner: [plan],
  coder: ['<execute>\na = ask_user("First digit?")\nb = ask_user("Second digit?")\nprint(a + b)\n</execute>', "<solution>42</solution>"],
  critic: ['{"verdict": "done", "answer": "42"}'],
};

describe("ask_user() with langgraph dev + SDK", () => {
  let dev: LangGraphDev;
  let client: Client;

  beforeAll(async () => {
    dev = await startLangGraphDev();
    client = dev.client;
  }, 150_000);

  afterAll(() => dev?.stop());

  it("interrupts with the ask_user payload; a non-answer is refused; Command({ resume }) finishes the run", async () => {
    const thread = await client.threads.create();
    const config = { configurable: { provider: "scripted", script, executor: "docker" } };
    const run = async (opts: Record<string, unknown>) => {
      const events: { event: string; data: unknown }[] = [];
      for await (const chunk of client.runs.stream(thread.thread_id, "codeact", { config, streamMode: ["custom", "updates"], ...opts })) events.push(chunk);
      return events;
    };
    const failed = (events: { event: string; data: unknown }[]) => events.filter((e) => e.event === "error");
    const waiting = async () => (await client.threads.getState(thread.thread_id)).tasks.flatMap((t) => t.interrupts.map((i) => i.value));

    const first = await run({ input: { task: "ask me two digits" } });
    expect(failed(first)).toEqual([]);
    expect(first.some((e) => e.event === "custom" && (e.data as { type: string }).type === "plan")).toBe(true);
    expect(await waiting()).toEqual([{ kind: "ask_user", question: "First digit?", step: 0 }]);
    expect(first.filter((e) => e.event === "custom" && (e.data as { type: string }).type === "question").map((e) => e.data)).toEqual([{ type: "question", question: "First digit?", step: 0 }]);

    // A resume that is not an answer (a number) is refused; the question is still waiting.
    const wrong = await run({ command: { resume: 7 } });
    expect(failed(wrong).length).toBeGreaterThan(0);
    expect(await waiting()).toEqual([{ kind: "ask_user", question: "First digit?", step: 0 }]);

    expect(failed(await run({ command: { resume: "4" } }))).toEqual([]);
    expect(await waiting()).toEqual([{ kind: "ask_user", question: "Second digit?", step: 0 }]);
    expect(failed(await run({ command: { resume: { answer: "2" } } }))).toEqual([]);

    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual([]);
    const values = state.values as { status: string; answer: string; cells: { result: { stdout: string }; answers?: unknown }[] };
    expect(values.status).toBe("done");
    expect(values.answer).toBe("42");
    expect(values.cells.map((c) => c.result.stdout)).toEqual(["42\n"]);
    expect(values.cells[0]!.answers).toEqual([
      { question: "First digit?", answer: "4" },
      { question: "Second digit?", answer: "2" },
    ]);
  }, 240_000);
});
