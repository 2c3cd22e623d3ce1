/**
 * The graph served by LangGraph's own dev server from langgraph.json, driven with the LangGraph SDK:
 * create a thread, stream a run (scripted model chosen through configurable), stop at an approval
 * interrupt, resume with a Command, and fork from an earlier checkpoint.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { type LangGraphDev, startLangGraphDev } from "../helpers/langgraph-dev";
import { startFakeOpenAI } from "../helpers/fake-openai";

const plan = JSON.stringify({ steps: [{ description: "compute", doneCriterion: "printed" }] });
const script = {
  planner: [plan],
  coder: ["<execute>\nx = 20\n</execute>", "<execute>\nprint(x + 1)\n</execute>", "<solution>21</solution>", "<solution>forked</solution>"],
  // The critic judges the answers (the coder claims no step done).
  critic: ['{"verdict": "done", "answer": "21"}', '{"verdict": "done", "answer": "forked"}'],
};

describe("langgraph dev + SDK", () => {
  let dev: LangGraphDev;
  let client: Client;

  beforeAll(async () => {
    dev = await startLangGraphDev({ OPENAI_API_KEY: "sk-operator-secret" });
    client = dev.client;
  }, 150_000);

  afterAll(() => dev?.stop());

  it("streams a run, pauses for approval, resumes with a Command, and forks from an earlier checkpoint", async () => {
    const thread = await client.threads.create();
    const config = { configurable: { provider: "scripted", script, approve: true, executor: "docker" } };
    const run = async (opts: Record<string, unknown>) => {
      const events: { event: string; data: unknown }[] = [];
      for await (const chunk of client.runs.stream(thread.thread_id, "codeact", { config, streamMode: ["custom", "updates"], ...opts })) events.push(chunk);
      const errors = events.filter((e) => e.event === "error");
      if (errors.length) throw new Error(`run failed: ${JSON.stringify(errors)}\n${dev.log.slice(-3000)}`);
      return events;
    };

    const first = await run({ input: { task: "add one to twenty" } });
    expect(first.some((e) => e.event === "custom" && (e.data as { type: string }).type === "plan")).toBe(true);
    let state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(["executor"]);
    expect((state.tasks[0]?.interrupts[0]?.value as { code: string }).code).toBe("x = 20");

    // Approve every action until the run ends.
    for (let i = 0; i < 5 && state.next.length; i++) {
      await run({ command: { resume: { action: "approve" } } });
      state = await client.threads.getState(thread.thread_id);
    }
    const finished = state.values as { status: string; answer: string; cells: { code: string; result: { stdout: string } }[] };
    expect(finished.status).toBe("done");
    expect(finished.answer).toBe("21");
    expect(finished.cells.map((c) => c.result.stdout)).toEqual(["", "21\n"]);

    // Fork: back to the checkpoint before the second action ran, this time without approval.
    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    const before = history.find((h) => h.next[0] === "executor" && (h.values as { cells: unknown[] }).cells.length === 1)!;
    expect(before).toBeDefined();
    const forkConfig = { configurable: { ...config.configurable, approve: false } };
    for await (const _ of client.runs.stream(thread.thread_id, "codeact", { config: forkConfig, checkpointId: before.checkpoint.checkpoint_id!, input: null })) void _;
    const forked = (await client.threads.getState(thread.thread_id)).values as typeof finished;
    expect(forked.answer).toBe("forked");
    // The fork re-ran the second action in a kernel rebuilt from the first cell (x = 20).
    expect(forked.cells.map((c) => c.result.stdout)).toEqual(["", "21\n"]);
    // The original line is still in the history.
    const after = await client.threads.getHistory(thread.thread_id, { limit: 200 });
    expect(after.some((h) => (h.values as { answer?: string }).answer === "21")).toBe(true);
  }, 180_000);

  it("refuses a caller's base_url (the endpoint receives nothing) and executor local, with errors naming them", async () => {
    const fake = await startFakeOpenAI(["never sent"]);
    try {
      const errorsOf = async (configurable: Record<string, unknown>) => {
        const thread = await client.threads.create();
        const errors: string[] = [];
        for await (const chunk of client.runs.stream(thread.thread_id, "codeact", { config: { configurable }, input: { task: "hi" } })) {
          if (chunk.event === "error") errors.push(JSON.stringify(chunk.data));
        }
        return errors.join("\n");
      };
      expect(await errorsOf({ base_url: fake.baseUrl })).toMatch(/does not let callers set base_url/);
      expect(await errorsOf({ executor: "local" })).toMatch(/does not let callers set executor \\"local\\"/);
      expect(fake.requests).toEqual([]);
    } finally {
      await fake.close();
    }
  }, 60_000);
});
