/**
 * Compaction never makes the conversation larger, and one huge entry is shown cut (its start and
 * end, with a note saying how much): a 120 KB follow-up on the real Docker kernel with the real
 * ChatOpenAI client against a local fake server (it used to go "122181 → 242283 chars").
 */
import { MemorySaver } from "@langchain/langgraph";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import type { CodeActEvent } from "../../graphs/state/events";
import { runCodeAct } from "../../graphs/run";
import { createRoleModels } from "../../nodes/models/models";
import { cutMiddle } from "../../nodes/prompting/conversation";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { roleOf, roleReplies, textOf } from "../helpers/role-script";

const PLAN = (what: string) => JSON.stringify({ steps: [{ description: what, doneCriterion: "printed" }] });
const DONE = (answer: string) => JSON.stringify({ verdict: "done", feedback: "", answer });
const cell = (i: number) => `<execute>\nv${i} = ${i}\nprint(str(v${i}) * 900)\n</execute>`;

let executor: DockerJupyterExecutor;
let server: FakeOpenAI | undefined;
beforeAll(async () => {
  executor = new DockerJupyterExecutor();
  await executor.start();
}, 60_000);
afterAll(async () => {
  await server?.close();
  await executor?.shutdown();
});

test("cutMiddle keeps the start and the end within the limit and says how much it cut", () => {
  const text = `HEAD${"x".repeat(100_000)}TAIL`;
  const cut = cutMiddle(text, 10_000);
  expect(cut.length).toBeLessThanOrEqual(10_000);
  expect(cut.startsWith("HEAD")).toBe(true);
  expect(cut.endsWith("TAIL")).toBe(true);
  expect(cut).toMatch(/\[… 90,\d{3} of 100,008 characters cut from the middle here/);
  expect(cutMiddle("short", 10)).toBe("short");
});

test("a 120 KB follow-up: every compaction leaves the request smaller, and no request carries the whole follow-up", async () => {
  const { reply } = roleReplies({
    planner: [PLAN("print things"), PLAN("read the request")],
    coder: [cell(1), cell(2), "<solution>one</solution>", ...[3, 4, 5, 6, 7, 8].map(cell), "<solution>two</solution>"],
    critic: [DONE("one"), DONE("two")],
    summary: ["SUMMARY: v1..vN exist, each printed 900 digits."],
  });
  server = await startFakeOpenAI([reply], { repeatLast: true });
  const graph = createCodeActGraph({ models: createRoleModels({ model: "fake-model", baseUrl: server.baseUrl, maxRetries: 0 }), executor, checkpointer: new MemorySaver(), limits: { contextTokens: 5_000 } });
  const threadId = "compaction-size";
  const first = await runCodeAct(graph, "Print two numbers", { threadId });
  expect([first.status, first.statusDetail]).toEqual(["done", ""]);
  const followUp = `REQUEST-START ${"please read all of this. ".repeat(5_000)} REQUEST-END`;
  expect(followUp.length).toBeGreaterThan(120_000);
  const events: CodeActEvent[] = [];
  const second = await runCodeAct(graph, followUp, { threadId, onEvent: (e) => events.push(e) });
  expect([second.status, second.statusDetail]).toEqual(["done", ""]);
  const compactions = events.filter((e): e is Extract<CodeActEvent, { type: "compaction" }> => e.type === "compaction");
  expect(compactions.length).toBeGreaterThan(0);
  for (const c of compactions) expect(c.charsAfter).toBeLessThan(c.charsBefore);
  // The stored entry is whole; the requests show its start and end, and say it was cut.
  expect(second.messages.some((m) => m.content.includes(followUp))).toBe(true);
  const coder = server.requests.filter((r) => roleOf(r) === "coder").slice(-6);
  for (const r of coder) {
    const texts = r.messages.map((m) => textOf(m.content));
    expect(Math.max(...texts.map((t) => t.length))).toBeLessThanOrEqual(10_000);
    expect(texts.join("\n")).toContain("REQUEST-START");
  }
  const all = coder.map((r) => r.messages.map((m) => textOf(m.content)).join("\n")).join("\n");
  expect(all).toContain("REQUEST-END");
  expect(all).toMatch(/characters cut from the middle here, to fit the conversation/);
}, 180_000);
