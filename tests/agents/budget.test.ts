/**
 * The tree's token budget, through ChatOpenAI against a local fake endpoint: two children that never
 * finish share what the tree has, each stops with its own status when its share is spent, and once
 * the tree's budget is gone a further delegation is refused with a status the parent's code sees.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Checkpointer, createCheckpointer } from "../../checkpoints/savers";
import { SubAgents } from "../../graphs/agents/delegator";
import { RunSettingsSchema } from "../../graphs/state/settings";
import { readThreadState } from "../../graphs/threads";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { roleReplies } from "../helpers/role-script";

let dir: string;
let store: Checkpointer;
let fake: FakeOpenAI;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "codeact-agents-budget-"));
  store = await createCheckpointer({ kind: "sqlite", path: join(dir, "threads.db") });
});
afterEach(async () => {
  await fake?.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

it("children carve the tree's tokens; a spent tree refuses the next child", async () => {
  const loop = "<execute>\nprint('still working')\n</execute>";
  const { reply } = roleReplies({ planner: Array(10).fill(JSON.stringify({ steps: [{ description: "work", doneCriterion: "never" }] })), coder: Array(200).fill(loop) });
  fake = await startFakeOpenAI([reply], { repeatLast: true });
  const settings = RunSettingsSchema.parse({
    models: { default: "fake-model" },
    endpoint: { baseUrl: fake.baseUrl },
    executor: { kind: "docker" },
    budgets: { maxIterations: 50 },
    agents: { enabled: true, limits: { tokens: 2_000 } },
  });
  const agents = SubAgents.forRun(settings, { store, secrets: { apiKey: "sk-test" } })!;
  const scope = { threadId: "budget", cellIndex: 0 };
  const { results } = await agents.delegate({ specs: [{ task: "work forever" }, { task: "work forever too" }] }, scope);
  expect(results.map((r) => r.status)).toEqual(["token_budget", "token_budget"]);
  for (const r of results) {
    const child = await readThreadState(store.saver, r.thread);
    expect(child.status).toBe("token_budget");
    expect(child.cells.length).toBeGreaterThan(0); // it really worked in its kernel until its share ran out
  }
  const totals = agents.budget.totals();
  expect(totals.tokens).toBeGreaterThanOrEqual(2_000);
  expect(totals.tokens).toBe(results.reduce((n, r) => n + r.tokens, 0));
  const more = await agents.delegate({ specs: [{ task: "one more" }] }, scope);
  expect(more.results[0]).toMatchObject({ thread: "budget.0.2", status: "budget", detail: expect.stringContaining("the tree's budget of 2000 tokens is spent") });
  expect(fake.requests.every((r) => r.authorization === "Bearer sk-test")).toBe(true);
}, 240_000);
