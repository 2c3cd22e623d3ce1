/** Training conversations exported from eval threads (paper agent) and graph runs, checked against their schemas. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { runEval } from "../../eval/run";
import { resolveSuite } from "../../eval/suite";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { exportTrajectories, OpenAIChatRecordSchema, ShareGPTRecordSchema } from "../../exports/trajectory";

let dir: string;
let db: string;
let threads: Record<string, string>;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "codeact-traj-"));
  db = join(dir, "c.sqlite");
  const scripts: Record<string, string[]> = {
    // Hits a NameError, then recovers and answers correctly: the CodeActInstruct kind of run.
    cheapest_tool: ["Action:\nprint(min(list_items('tools'), key=price_of))\nEnd Action", "Thought: the tool is get_price.\nAction:\nprint(min(list_items('tools'), key=get_price))\nEnd Action", "Answer: widget"],
    words_intro_faq: ["Action:\nprint(word_count(get_document('intro')) + word_count(get_document('faq')))\nEnd Action", "Answer: 22"],
    // Hits an error and never recovers.
    longest_document: ["Action:\nprint(1/0)\nEnd Action", "Answer: intro"],
  };
  const report = await runEval({
    suite: resolveSuite("toolbox"),
    formats: ["code"],
    agent: "paper",
    modelFor: (task) => new ScriptedChatModel({ script: scripts[task.id]!, whenExhausted: "repeat-last" }),
    out: join(dir, "eval"),
    maxTurns: 4,
    filter: /^(cheapest_tool|words_intro_faq|longest_document)$/,
    concurrency: 2,
    executor: { kind: "docker", limits: { memoryMb: 256, pidsLimit: 64, cpus: 1, workspaceMb: 64 } },
    checkpointer: { kind: "sqlite", path: db },
  });
  threads = Object.fromEntries(report.results.map((r) => [r.taskId, r.threadId]));
  expect(report.results.find((r) => r.taskId === "cheapest_tool")).toMatchObject({ correct: true, selfDebugged: true, errors: 1 });

  // A run of the full graph that self-debugs, in the same store.
  const store = await createCheckpointer({ kind: "sqlite", path: db });
  const executor = new DockerJupyterExecutor();
  try {
    const graph = createCodeActGraph({
      models: {
        planner: new ScriptedChatModel({ script: [JSON.stringify({ steps: [{ description: "sum", doneCriterion: "printed" }] })] }),
        coder: new ScriptedChatModel({ script: ["<execute>\nprint(sum(nums))\n</execute>", "<execute>\nnums = [1, 2, 3]\nprint(sum(nums))\n</execute>\n<step_done/>", "<solution>6</solution>"] }),
        critic: new ScriptedChatModel({ script: [JSON.stringify({ verdict: "next", feedback: "" }), JSON.stringify({ verdict: "done", feedback: "", answer: "6" })] }),
      },
      executor,
      checkpointer: store.saver,
    });
    const state = await runCodeAct(graph, "sum 1, 2 and 3", { threadId: "graph-run-1" });
    expect(state.status).toBe("done");
  } finally {
    await executor.shutdown();
    await store.close();
  }
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const flags = () => ({ kind: "sqlite" as const, path: db });

it("exports an eval thread as an OpenAI chat conversation and as ShareGPT", async () => {
  const chat = await exportTrajectories(threads.cheapest_tool, "openai-chat", "all", join(dir, "one.json"), flags());
  const record = OpenAIChatRecordSchema.parse(JSON.parse(readFileSync(chat.path, "utf8")));
  expect(record.messages.map((m) => m.role)).toEqual(["user", "assistant", "user", "assistant", "user", "assistant"]);
  expect(record.messages[0]!.content).toContain("Task: Which item in the 'tools' category");
  expect(record.messages[2]!.content).toContain("NameError");
  expect(record.messages.at(-1)!.content).toBe("Answer: widget");

  const share = await exportTrajectories(threads.cheapest_tool, "sharegpt", "all", join(dir, "one.sharegpt.json"), flags());
  const sg = ShareGPTRecordSchema.parse(JSON.parse(readFileSync(share.path, "utf8")));
  expect(sg.id).toBe(threads.cheapest_tool);
  expect(sg.conversations.map((c) => c.from)).toEqual(["human", "gpt", "human", "gpt", "human", "gpt"]);
});

it("--all --where self-debugged keeps only runs that hit an error and then succeeded (both agents)", async () => {
  const { path, count } = await exportTrajectories(undefined, "jsonl", "self-debugged", join(dir, "sd.jsonl"), flags());
  const lines = readFileSync(path, "utf8").trim().split("\n").map((l) => OpenAIChatRecordSchema.parse(JSON.parse(l)));
  expect(count).toBe(2);
  const firsts = lines.map((r) => r.messages[0]!.content);
  expect(firsts.some((c) => c.includes("Which item in the 'tools' category"))).toBe(true);
  // The full graph's record is the coder's conversation: its system prompt first, then the task.
  const graphRun = lines.find((r) => r.messages[1]?.content.includes("sum 1, 2 and 3"))!;
  expect(graphRun.messages[0]!.role).toBe("system");
  expect(graphRun.messages[1]!.content).toMatch(/^Task: sum 1, 2 and 3/);
  expect(graphRun.messages.filter((m) => m.role === "assistant")).toHaveLength(3);
  expect(graphRun.messages.some((m) => m.role === "user" && m.content.includes("NameError"))).toBe(true);
  expect(graphRun.messages.at(-1)!.content).toBe("<solution>6</solution>");

  const all = await exportTrajectories(undefined, "sharegpt", "all", join(dir, "all.jsonl"), flags());
  expect(all.count).toBe(4);
  for (const l of readFileSync(all.path, "utf8").trim().split("\n")) ShareGPTRecordSchema.parse(JSON.parse(l));
  expect((await exportTrajectories(undefined, "jsonl", "succeeded", join(dir, "ok.jsonl"), flags())).count).toBe(3);
});
