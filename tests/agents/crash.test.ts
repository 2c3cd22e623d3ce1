/**
 * kill -9 of the parent during a fan-out, then `codeact resume`: the finished child is not run
 * again, the running one resumes from its own checkpoints (its finished cell replayed from the
 * record), and none starts twice: a side-effect counter tool in the children runs exactly once per
 * child. Through the real command, a real SQLite store and real Docker kernels.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState, threadIds } from "../../graphs/threads";
import { codeact, root, startCodeact, waitFor } from "../cli/helpers";

jest.setTimeout(300_000);

const plan = JSON.stringify({ steps: [{ description: "work", doneCriterion: "answered" }] });
const done = (a: string) => JSON.stringify({ verdict: "done", answer: a });
const agent = (cells: string[], answer: string) => ({ planner: [plan], coder: [...cells.map((c) => `<execute>\n${c}\n</execute>`), `<solution>${answer}</solution>`], critic: [done(answer)] });

let home: string;
beforeEach(() => (home = mkdtempSync(join(tmpdir(), "codeact-agents-crash-"))));
afterEach(() => rmSync(home, { recursive: true, force: true }));

async function childStatus(db: string, thread: string): Promise<string | undefined> {
  const store = await createCheckpointer({ kind: "sqlite", path: db, readOnly: true });
  try {
    return (await readThreadState(store.saver, thread)).status;
  } catch {
    return undefined;
  } finally {
    await store.close();
  }
}

it("kill -9 during delegate_all, then resume: each child's side effect happens exactly once", async () => {
  const counter = join(home, "counter.txt");
  const agents = join(home, "agents");
  mkdirSync(agents);
  // The user's project has its own node_modules; here, the repository's.
  symlinkSync(join(root, "node_modules"), join(agents, "node_modules"), "dir");
  writeFileSync(
    join(agents, "counter.ts"),
    `import { appendFileSync } from "node:fs";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
export const bump = tool(async ({ who }: { who: string }) => { appendFileSync(${JSON.stringify(counter)}, who + "\\n"); return "bumped " + who; }, { name: "bump", description: "Counts a side effect.", schema: z.object({ who: z.string() }) });
`,
  );
  writeFileSync(join(agents, "fast.md"), "---\nname: fast\ndescription: finishes at once\ntools: [./counter.ts]\n---\nBe quick.\n");
  writeFileSync(join(agents, "slow.md"), "---\nname: slow\ndescription: takes its time\ntools: [./counter.ts]\n---\nTake your time.\n");
  const script = {
    ...agent(["rs = delegate_all([{'task': 'quick', 'agent': 'fast'}, {'task': 'slow', 'agent': 'slow'}])\nprint('answers', [r.answer for r in rs])"], "both"),
    agents: {
      fast: agent(["print(bump(who='fast'))"], "f"),
      slow: agent(["print(bump(who='slow'))", "import time\ntime.sleep(5)\nprint('slept')"], "s"),
    },
  };
  const traj = join(home, "traj.json");
  writeFileSync(traj, JSON.stringify(script));
  const env = { CODEACT_HOME: home };
  const db = join(home, "threads.db");
  const args = ["--scripted", traj, "--executor", "docker", "--agents", agents, "--checkpoints", db];
  const run = startCodeact(["run", "fan out", "--thread", "crash", ...args], env);
  const lines = () => (existsSync(counter) ? readFileSync(counter, "utf8").split("\n").filter(Boolean) : []);
  await waitFor(() => lines().length === 2 || run.child.exitCode !== null, 120_000, "both children's side effects");
  expect({ lines: lines(), out: run.output().slice(-2_000) }).toMatchObject({ lines: expect.arrayContaining(["fast", "slow"]) });
  // The fast child has ended; the slow one sleeps in its second cell.
  for (let i = 0; i < 100 && (await childStatus(db, "crash.0.0")) !== "done"; i++) await new Promise((r) => setTimeout(r, 200));
  expect(await childStatus(db, "crash.0.0")).toBe("done");
  expect(await childStatus(db, "crash.0.1")).toBe("running");
  run.child.kill("SIGKILL");
  await run.exit;

  // A scripted model starts its replies again in a new process: the resume's script holds what is left
  // (the parent's and the slow child's answers; their pending cells run again from the checkpoints).
  const rest = join(home, "rest.json");
  writeFileSync(rest, JSON.stringify({ ...agent([], "both"), agents: { ...script.agents, slow: agent([], "s") } }));
  const resumed = await codeact(["resume", "crash", ...args.map((a) => (a === traj ? rest : a))], env);
  expect({ code: resumed.code, out: resumed.stdout.slice(-2_000), err: resumed.stderr.slice(-2_000) }).toMatchObject({ code: 0 });
  const reader = await createCheckpointer({ kind: "sqlite", path: db, readOnly: true });
  const ids = await threadIds(reader.saver).finally(() => reader.close());
  // No child started twice (no crash.1.x), and each side effect happened once.
  expect({ ids: ids.sort(), lines: lines().sort() }).toEqual({ ids: ["crash", "crash.0.0", "crash.0.1"], lines: ["fast", "slow"] });
  const store = await createCheckpointer({ kind: "sqlite", path: db, readOnly: true });
  try {
    const parent = await readThreadState(store.saver, "crash");
    expect(parent.status).toBe("done");
    expect(parent.cells.at(-1)!.result.stdout).toContain("answers ['f', 's']");
    const slow = await readThreadState(store.saver, "crash.0.1");
    expect(slow.status).toBe("done");
    expect(slow.cells.map((c) => c.result.stdout.trim())).toEqual(["bumped slow", "slept"]);
    expect((await readThreadState(store.saver, "crash.0.0")).cells).toHaveLength(1);
  } finally {
    await store.close();
  }
});
