/**
 * `codeact branch --at` takes what `codeact history` shows: a step number, a cell (cell:N, just
 * before cell N ran) or a checkpoint id prefix (an ambiguous one refused with its matches), and
 * runs the branch unless --no-run. `history` shows each checkpoint's time and cell count.
 * A real scripted run in a Docker kernel on a SQLite store.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { branchPoint, type BranchCandidate } from "../../graphs/branch";
import { EXIT_CODES } from "../../cli/exit-codes";
import { codeact } from "./helpers";

type Entry = BranchCandidate & { createdAt: string };

const script = (dir: string, name: string, body: object) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(body));
  return path;
};
const exec = (code: string) => `<execute>\n${code}\n</execute>`;
const plan = '{"steps": [{"description": "do it", "doneCriterion": "done"}]}';
const done = (answer: string) => `{"verdict": "done", "answer": ${JSON.stringify(answer)}}`;

describe("codeact branch --at", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  let history: Entry[];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-branch-at-"));
    env = { CODEACT_HOME: home };
    const first = script(home, "first.json", { planner: [plan], coder: [exec("x = 20\nprint('one', x)"), exec("print('two', x + 1)"), "<solution>21</solution>"], critic: [done("21")] });
    const run = await codeact(["run", "count", "--scripted", first, "--executor", "docker", "--thread", "ba"], env);
    expect(run.code).toBe(0);
    history = JSON.parse((await codeact(["history", "ba", "--json"], env)).stdout) as Entry[];
  }, 180_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("history shows each checkpoint's time, step and cells, and how to branch", async () => {
    const text = await codeact(["history", "ba"], env);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^CHECKPOINT\s+TIME\s+STEP\s+CELLS\s+NEXT\s+SUMMARY$/m);
    for (const h of history) {
      expect(h.createdAt).toMatch(/^\d{4}-\d\d-\d\dT/);
      expect(text.stdout).toMatch(new RegExp(`^${h.checkpointId}  ${h.createdAt.replace("T", " ").slice(0, 19)}\\s+${h.step}\\s+${h.cells}\\s`, "m"));
    }
    expect(text.stdout).toContain("codeact branch ba --at STEP");
  });

  it("cell:2 branches just before the second cell ran; --code replaces it and the branch runs at once", async () => {
    const side = script(home, "side.json", { planner: [plan], coder: ["<solution>edited</solution>"], critic: [done("edited")] });
    const r = await codeact(["branch", "ba", "--at", "cell:2", "--code", "print('edited', x * 2)", "--name", "ba-c2", "--scripted", side, "--executor", "docker"], env);
    expect(r.stderr).toContain("Branched ba@");
    if (r.code !== 0) throw new Error(r.stderr);
    expect(r.stdout).toMatch(/Kernel rehydrated: 1 cells? replayed/);
    expect(r.stdout).toMatch(/^\s*edited 40\s*$/m);
    expect(r.stdout).not.toMatch(/^\s*two 21\s*$/m);
    expect(r.code).toBe(0);
    const branched = JSON.parse((await codeact(["history", "ba-c2", "--json"], env)).stdout) as Entry[];
    expect(branched.at(-1)!.summary).toContain("status done");
    expect(branched.at(-1)!.cells).toBe(2);
  }, 180_000);

  it("a step number and a unique id prefix name the checkpoint history lists; --no-run only branches", async () => {
    const target = history.find((h) => h.next.includes("executor"))!;
    const byStep = await codeact(["branch", "ba", "--at", String(target.step), "--no-run", "--json"], env);
    expect(byStep.code).toBe(0);
    expect(JSON.parse(byStep.stdout)).toEqual({ thread: expect.stringMatching(/^ba-b[0-9a-f]{4}$/), from: target.checkpointId });
    // The shortest start of the id that no other checkpoint shares.
    const ids = history.map((h) => h.checkpointId);
    let n = 1;
    while (ids.filter((id) => id.startsWith(target.checkpointId.slice(0, n))).length > 1) n++;
    const byPrefix = await codeact(["branch", "ba", "--at", target.checkpointId.slice(0, n).toUpperCase(), "--no-run", "--json"], env);
    expect(byPrefix.code).toBe(0);
    expect((JSON.parse(byPrefix.stdout) as { from: string }).from).toBe(target.checkpointId);
    const check = JSON.parse((await codeact(["history", (JSON.parse(byPrefix.stdout) as { thread: string }).thread, "--json"], env)).stdout) as Entry[];
    expect(check.at(-1)!.next).toEqual(target.next);
  }, 60_000);

  it("an ambiguous prefix is refused with the checkpoints it matches; an unknown step says which exist", async () => {
    const ids = history.map((h) => h.checkpointId);
    // The ids share their start (time-ordered UUIDs): the longest common start matches them all.
    let common = "";
    while (ids.every((id) => id.startsWith(ids[0]!.slice(0, common.length + 1)))) common = ids[0]!.slice(0, common.length + 1);
    // A digit-only start would be read as a step first: keep a letter in it.
    const prefix = /^\d+$/.test(common) ? ids[0]!.slice(0, common.length) : common;
    const r = await codeact(["branch", "ba", "--at", prefix || ids[0]!.slice(0, 1), "--no-run"], env);
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toContain(`starts ${ids.length} checkpoint ids of thread "ba"`);
    for (const id of ids.slice(0, 10)) expect(r.stderr).toContain(id);
    expect(r.stderr).toContain("Give more of the id, or a step number.");

    const none = await codeact(["branch", "ba", "--at", "99999", "--no-run"], env);
    expect(none.code).toBe(EXIT_CODES.not_found);
    expect(none.stderr).toContain(`has no step 99999`);
    expect(none.stderr).toContain(`its steps run from ${history[0]!.step} to ${history.at(-1)!.step}`);
    expect(none.stderr).toContain("`codeact history ba` lists them.");
    const cell = await codeact(["branch", "ba", "--at", "cell:9", "--no-run"], env);
    expect(cell.code).toBe(EXIT_CODES.not_found);
    expect(cell.stderr).toContain("has no cell 9");
  }, 60_000);
});

describe("branchPoint", () => {
  const e = (checkpointId: string, step: number, cells: number, next: string[]): BranchCandidate => ({ checkpointId, step, cells, next, summary: `s${step}` });
  const entries = [e("aa11", 0, 0, ["planner"]), e("aa22", 1, 0, ["coder"]), e("ab33", 2, 0, ["executor"]), e("ab44", 3, 1, ["coder"]), e("ac55", 4, 1, ["executor"]), e("ac66", 5, 2, [])];

  it("reads steps, cells and id prefixes", () => {
    expect(branchPoint("t", entries, "3")).toBe("ab44");
    expect(branchPoint("t", entries, "cell:1")).toBe("ab33");
    expect(branchPoint("t", entries, "c2")).toBe("ac55");
    expect(branchPoint("t", entries, "AB4")).toBe("ab44");
    expect(() => branchPoint("t", entries, "cell:3")).toThrow(/no checkpoint before cell 3 that can be continued/);
    expect(() => branchPoint("t", entries, "ab")).toThrow(/"ab" starts 2 checkpoint ids[\s\S]*ab33[\s\S]*ab44/);
    expect(() => branchPoint("t", entries, "zz")).toThrow(/has no checkpoint "zz"/);
  });
});
