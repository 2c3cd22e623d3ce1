/**
 * People reach every depth: ask_user() and approval mode inside sub-agents, on real Docker kernels
 * and a real SQLite store. With nobody attached, two children asking at once make the parent wait
 * with one interrupt listing both; each answer goes to its child (by thread or interrupt id), the
 * child goes on, then the parent. With a person attached (TreePeople), questions are asked at once,
 * one at a time, naming the child. A child inherits approval mode unless its profile says otherwise.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Checkpointer, createCheckpointer } from "../../checkpoints/savers";
import { type TreePeople, withSubAgents } from "../../graphs/agents/delegator";
import { createCodeActGraph } from "../../graphs/codeact";
import { type RunOptions, runCodeAct } from "../../graphs/run";
import { createRuntime, type Runtime } from "../../graphs/runtime";
import { type RunSettingsInput, RunSettingsSchema } from "../../graphs/state/settings";
import { readThreadState } from "../../graphs/threads";

jest.setTimeout(240_000);

const plan = JSON.stringify({ steps: [{ description: "work", doneCriterion: "answered" }] });
const done = (a: string) => JSON.stringify({ verdict: "done", answer: a });
const exec = (code: string) => `<execute>\n${code}\n</execute>`;
const agent = (cells: string[], answer: string) => ({ planner: [plan], coder: [...cells.map(exec), `<solution>${answer}</solution>`], critic: [done(answer)] });

let dir: string;
let store: Checkpointer;
let runtime: Runtime | undefined;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "codeact-agents-people-"));
  store = await createCheckpointer({ kind: "sqlite", path: join(dir, "threads.db") });
});
afterEach(async () => {
  await runtime?.close();
  runtime = undefined;
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A root run whose graph and tree live across several runCodeAct calls, as a library user's would. */
async function root(thread: string, input: RunSettingsInput, people?: TreePeople) {
  const settings = RunSettingsSchema.parse(input);
  runtime = await createRuntime(settings, { threadId: thread });
  const { tools } = withSubAgents(settings, runtime.tools, { store, people });
  const graph = createCodeActGraph({ models: runtime.models, executor: runtime.executor, tools, limits: { maxIterations: 6, approve: settings.approve }, checkpointer: store.saver, artifacts: store.artifacts });
  return (task: string | null, options: Omit<RunOptions, "threadId"> = {}) => runCodeAct(graph, task, { threadId: thread, ...options });
}

const asker = { name: "asker", description: "asks the person", instructions: "" };
const askingScript = (cellCode: string) => ({
  ...agent([cellCode], "both"),
  agents: {
    asker: agent(['name = ask_user("Which city, " + str(__import__("os").getpid() % 1) + "?")', 'print("got", name)'], "asked"),
  },
});

it("two children ask at once with nobody attached: the parent waits listing both; each answer goes to its child, then the parent goes on", async () => {
  const script = askingScript("rs = delegate_all([{'task': 'ask a', 'agent': 'asker'}, {'task': 'ask b', 'agent': 'asker'}])\nprint('children', [r.status for r in rs])");
  const run = await root("tree", { models: { default: "scripted" }, script, executor: { kind: "docker" }, agents: { enabled: true, profiles: [asker] } });
  const first = await run("fan out");
  expect(first.awaitingChildren?.children.map((c) => [c.thread, c.agent, c.request.kind]).sort()).toEqual([
    ["tree.0.0", "asker", "ask_user"],
    ["tree.0.1", "asker", "ask_user"],
  ]);
  expect(new Set(first.awaitingChildren!.children.map((c) => c.interruptId)).size).toBe(2);
  expect((await readThreadState(store.saver, "tree")).cells).toHaveLength(0);
  expect((await readThreadState(store.saver, "tree.0.0")).status).toBe("running");

  // Several ask: an answer must say which child it is for.
  await expect(run(null, { answer: "Oslo" })).rejects.toThrow(/waits for 2 sub-agents' answers.*tree\.0\.0/);
  // The first, by its thread id: that child goes on and ends; the parent still waits for the other.
  const second = await run(null, { answer: "Oslo", answerFor: "tree.0.0" });
  expect(second.awaitingChildren?.children.map((c) => c.thread)).toEqual(["tree.0.1"]);
  const a = await readThreadState(store.saver, "tree.0.0");
  expect({ status: a.status, out: a.cells.map((c) => c.result.stdout.trim()) }).toEqual({ status: "done", out: ["", "got Oslo"] });
  expect(a.cells[0]!.answers).toEqual([{ question: "Which city, 0?", answer: "Oslo" }]);
  // The second, by its interrupt id (as a LangGraph server caller resumes it).
  const id = second.awaitingChildren!.children[0]!.interruptId;
  const last = await run(null, { resume: { children: { [id]: "Rome" } } });
  expect({ status: last.status, awaiting: last.awaitingChildren, out: last.cells.at(-1)?.result.stdout }).toEqual({ status: "done", awaiting: undefined, out: "children ['done', 'done']\n" });
  const b = await readThreadState(store.saver, "tree.0.1");
  expect(b.cells.map((c) => c.result.stdout.trim())).toEqual(["", "got Rome"]);
});

it("with a person attached, children's questions are asked at once, one at a time, naming each child", async () => {
  const script = askingScript("rs = delegate_all([{'task': 'ask a', 'agent': 'asker'}, {'task': 'ask b', 'agent': 'asker'}])\nprint('answers', sorted(r.answer for r in rs))");
  let open = 0;
  let most = 0;
  const asked: string[] = [];
  const people: TreePeople = {
    ask: async (who, q) => {
      most = Math.max(most, ++open);
      asked.push(`${who.agent} ${who.thread} depth ${who.depth}: ${q.question}`);
      await new Promise((r) => setTimeout(r, 300));
      open--;
      return who.thread.endsWith(".0") ? "Oslo" : "Rome";
    },
  };
  const run = await root("live", { models: { default: "scripted" }, script, executor: { kind: "docker" }, agents: { enabled: true, profiles: [asker] } }, people);
  const state = await run("fan out");
  expect(state.status).toBe("done");
  expect(asked.sort()).toEqual(["asker live.0.0 depth 1: Which city, 0?", "asker live.0.1 depth 1: Which city, 0?"]);
  expect(most).toBe(1);
  expect(state.cells.at(-1)!.result.stdout).toContain("answers ['asked', 'asked']");
  // The parent's cell stayed blocked meanwhile: it ran once, no rerun note.
  expect(state.cells).toHaveLength(1);
  expect((await readThreadState(store.saver, "live.0.1")).cells.map((c) => c.result.stdout.trim())).toEqual(["", "got Rome"]);
});

it("a child inherits approval mode: its action waits, listed by the parent, and a decision resumes it; a profile can turn it off", async () => {
  const worker = { name: "worker", description: "prints", instructions: "" };
  const free = { name: "free", description: "prints without approval", instructions: "", approve: false };
  const script = {
    ...agent(["rs = delegate_all([{'task': 'w', 'agent': 'worker'}, {'task': 'f', 'agent': 'free'}])\nprint('answers', [r.answer for r in rs])"], "ok"),
    agents: { worker: agent(["print('worker ran')"], "w"), free: agent(["print('free ran')"], "f") },
  };
  const run = await root("appr", { models: { default: "scripted" }, script, approve: true, executor: { kind: "docker" }, agents: { enabled: true, profiles: [worker, free] } });
  // The parent's own action first.
  const first = await run("fan out");
  expect(first.awaitingApproval?.code).toContain("delegate_all");
  const second = await run(null, { resume: { action: "approve" } });
  // Only the worker waits: the free one ran and ended.
  expect(second.awaitingChildren?.children.map((c) => [c.thread, c.request.kind])).toEqual([["appr.0.0", "approve_code"]]);
  expect((await readThreadState(store.saver, "appr.0.1")).status).toBe("done");
  const c = second.awaitingChildren!.children[0]!;
  expect(c.request.kind === "approve_code" && c.request.code).toBe("print('worker ran')");
  // An answer where a decision belongs is refused, and the child still waits.
  await expect(run(null, { answer: "yes", answerFor: "appr.0.0" })).rejects.toThrow(/waits for an approval/);
  const last = await run(null, { resume: { children: { [c.interruptId]: { action: "approve" } } } });
  expect({ status: last.status, out: last.cells.at(-1)?.result.stdout }).toEqual({ status: "done", out: "answers ['w', 'f']\n" });
  const w = await readThreadState(store.saver, "appr.0.0");
  expect({ approved: w.cells[0]!.approved, out: w.cells[0]!.result.stdout }).toEqual({ approved: true, out: "worker ran\n" });
});
