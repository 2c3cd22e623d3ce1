/**
 * delegate() and delegate_all() on real Docker kernels and a real SQLite store: children are real
 * threads with their own kernels, files go in and out, a failing child is caught by the parent's
 * code, children see neither the parent's variables nor each other's files, and the depth and
 * tree limits stop an agent that delegates to itself forever.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Checkpointer, createCheckpointer } from "../../checkpoints/savers";
import { withSubAgents } from "../../graphs/agents/delegator";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { createRuntime } from "../../graphs/runtime";
import { type RunSettingsInput, RunSettingsSchema } from "../../graphs/state/settings";
import { readThreadState, threadIds } from "../../graphs/threads";

const plan = (d: string) => JSON.stringify({ steps: [{ description: d, doneCriterion: "answered" }] });
const done = (a: string) => JSON.stringify({ verdict: "done", answer: a });
const exec = (code: string) => `<execute>\n${code}\n</execute>`;
const script = (code: string, answer: string) => ({ planner: [plan("work")], coder: [exec(code), `<solution>${answer}</solution>`], critic: [done(answer)] });

let dir: string;
let store: Checkpointer;
beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "codeact-agents-"));
  store = await createCheckpointer({ kind: "sqlite", path: join(dir, "threads.db") });
});
afterEach(async () => {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

async function runRoot(thread: string, input: RunSettingsInput, task: string) {
  const settings = RunSettingsSchema.parse(input);
  const runtime = await createRuntime(settings, { threadId: thread });
  try {
    const { tools, subAgents } = withSubAgents(settings, runtime.tools, { store });
    const graph = createCodeActGraph({ models: runtime.models, executor: runtime.executor, tools, limits: { maxIterations: 6 }, checkpointer: store.saver, artifacts: store.artifacts });
    const state = await runCodeAct(graph, task, { threadId: thread });
    return { state, totals: subAgents!.budget.totals() };
  } finally {
    await runtime.close();
  }
}

const analyst = { name: "analyst", description: "sums numbers", instructions: "You sum numbers." };
const broken = { name: "broken", description: "never finishes", instructions: "", limits: { maxIterations: 1 } };

it("delegate_all runs children in their own kernels: files in and out, isolation, a failure the parent catches", async () => {
  const child = script(
    [
      "import os",
      "print('parent var visible:', 'secret' in globals())",
      "print('inputs:', sorted(os.listdir('inputs')))",
      "print('outputs before:', sorted(os.listdir('outputs')) if os.path.isdir('outputs') else [])",
      "s = sum(int(x) for x in open('inputs/data.csv').read().split()[1:])",
      "os.makedirs('outputs', exist_ok=True)",
      "open('outputs/sum.txt', 'w').write(str(s))",
      "print(s)",
    ].join("\n"),
    "3",
  );
  const parent = {
    planner: [plan("delegate")],
    coder: [
      exec(
        [
          "import os",
          "secret = 42",
          "os.makedirs('outputs', exist_ok=True)",
          "open('outputs/data.csv', 'w').write('a\\n1\\n2\\n')",
          "rs = delegate_all([{'task': 'sum a', 'agent': 'analyst', 'inputs': ['outputs/data.csv']}, {'task': 'sum b', 'agent': 'analyst', 'inputs': ['outputs/data.csv']}])",
          "print('answers', [r.answer for r in rs], [r.status for r in rs])",
          "print('threads', [r.thread for r in rs])",
          "print('files', rs[0].files, rs[1].files)",
          "print('content', open(rs[1].files[0]).read())",
          "try:",
          "    delegate('never', agent='broken')",
          "except DelegationError as e:",
          "    print('caught', e.result.status, e.result.thread)",
        ].join("\n"),
      ),
      "<solution>ok</solution>",
    ],
    critic: [done("ok")],
    agents: { analyst: child, broken: { planner: [plan("loop")], coder: [exec("print('working')"), exec("print('still')")], critic: [] } },
  };
  const { state, totals } = await runRoot("root", { models: { default: "scripted" }, script: parent, executor: { kind: "docker" }, agents: { enabled: true, profiles: [analyst, broken] } }, "delegate the sums");
  expect(state.status).toBe("done");
  const out = state.cells[0]!.result.stdout;
  expect(state.cells[0]!.result.error).toBeUndefined();
  expect(out).toContain("answers ['3', '3'] ['done', 'done']");
  expect(out).toContain("threads ['root.0.0', 'root.0.1']");
  expect(out).toContain("files ['from/root.0.0/sum.txt'] ['from/root.0.1/sum.txt']");
  expect(out).toContain("content 3");
  expect(out).toContain("caught max_iterations root.0.2");
  // The delegation is recorded in the cell like a tool call.
  expect(state.cells[0]!.result.toolCalls.map((c) => c.name)).toEqual(["codeact:delegate", "codeact:delegate"]);
  expect((await threadIds(store.saver)).sort()).toEqual(["root", "root.0.0", "root.0.1", "root.0.2"]);
  for (const id of ["root.0.0", "root.0.1"]) {
    const s = await readThreadState(store.saver, id);
    expect(s.status).toBe("done");
    expect(s.task).toContain("You sum numbers.");
    const o = s.cells[0]!.result.stdout;
    expect(o).toContain("parent var visible: False");
    expect(o).toContain("inputs: ['data.csv']");
    expect(o).toContain("outputs before: []"); // not the other child's sum.txt
    expect((await store.settings.latest(id))?.reason).toBe("delegated by root");
  }
  expect(totals.children).toBe(3);
  expect(totals.each.map((c) => c.status).sort()).toEqual(["done", "done", "max_iterations"]);
  expect(totals.modelCalls).toBeGreaterThan(0);
}, 240_000);

it("an agent that delegates to itself forever stops at the depth limit, and a fan-out past the tree's limit is refused", async () => {
  const recursive = script(
    ["try:", "    r = delegate('again', agent='recursive')", "    print('child said', r.status)", "except Exception as e:", "    print('stopped:', e)"].join("\n"),
    "ok",
  );
  const parent = {
    ...script(
      [
        "r = delegate('go deep', agent='recursive')",
        "print('deep', r.status)",
        "try:",
        "    delegate_all([{'task': 'wide %d' % i, 'agent': 'recursive'} for i in range(4)])",
        "except DelegationError as e:",
        "    print('wide', [x.status for x in e.results])",
      ].join("\n"),
      "ok",
    ),
    agents: { recursive },
  };
  const profile = { name: "recursive", description: "delegates again", instructions: "" };
  const { state } = await runRoot(
    "deep",
    { models: { default: "scripted" }, script: parent, executor: { kind: "docker" }, agents: { enabled: true, profiles: [profile], limits: { maxDepth: 2, maxChildren: 3 } } },
    "recurse",
  );
  const out = state.cells[0]!.result.stdout;
  expect({ out, error: state.cells[0]!.result.error?.evalue }).toMatchObject({ out: expect.stringContaining("deep done") });
  const deepest = await readThreadState(store.saver, "deep.0.0.0.0");
  expect(deepest.cells[0]!.result.stdout).toContain("stopped: delegate(): the depth limit of 2 is reached");
  await expect(readThreadState(store.saver, "deep.0.0.0.0.0.0")).rejects.toThrow(/No run/);
  // Two of the tree's three children went deep; one more of the four wide ones could start (and hit the tree's limit itself).
  expect(out).toMatch(/wide \['done', 'budget', 'budget', 'budget'\]/);
}, 240_000);
