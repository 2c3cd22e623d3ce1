/**
 * `codeact eval` as a process: killed with SIGKILL part-way, `--resume` runs only the tasks that had
 * not finished; the table and a last JSON line are printed.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TOOLBOX_ORACLES } from "./toolbox-oracle";
import { EXIT_CODES } from "../../cli/exit-codes";

const root = join(__dirname, "..", "..");

function start(args: string[]): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  // One process (no tsx wrapper), so SIGKILL hits the eval itself.
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

let home: string;
beforeAll(() => (home = mkdtempSync(join(tmpdir(), "codeact-eval-cli-"))));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const lines = (path: string) => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l.trim()) : []);

it("resumes after kill -9 without rerunning finished tasks", async () => {
  const script = join(home, "script.json");
  const tasks = Object.fromEntries(Object.entries(TOOLBOX_ORACLES).map(([id, o]) => [id, { code: [`Action:\n${o.code}\nEnd Action`, `Answer: ${o.answer}`] }]));
  writeFileSync(script, JSON.stringify({ delayMs: 400, tasks }));
  const out = join(home, "eval");
  const args = ["eval", "toolbox", "--out", out, "--checkpoints", join(home, "c.sqlite"), "--scripted", script, "--executor", "docker"];
  const results = join(out, "results.jsonl");

  const first = start(args);
  const until = Date.now() + 180_000;
  while (lines(results).length < 3) {
    if (Date.now() > until) throw new Error(`no results in time:\n${first.stderr()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  first.child.kill("SIGKILL");
  await first.exit;
  const before = lines(results).map((l) => JSON.parse(l) as { taskId: string; finishedAt: string });
  expect(before.length).toBeGreaterThanOrEqual(3);
  expect(before.length).toBeLessThan(9);

  // Starting again without --resume is refused and loses nothing.
  const refused = start(args);
  expect(await refused.exit).toBe(EXIT_CODES.conflict);
  expect(refused.stderr()).toContain("Continue it with --resume, or choose another --out folder.");
  expect(lines(results)).toHaveLength(before.length);

  const second = start([...args, "--resume"]);
  expect(await second.exit).toBe(0);
  const after = lines(results).map((l) => JSON.parse(l) as { taskId: string; finishedAt: string; correct: boolean });
  expect(after.slice(0, before.length)).toEqual(before.map((b) => expect.objectContaining(b)));
  expect(after.map((r) => r.taskId).sort()).toEqual(Object.keys(TOOLBOX_ORACLES).sort());
  for (const b of before) expect(second.stderr()).not.toContain(` code ${b.taskId} (`);
  const stdout = second.stdout().trim().split("\n");
  expect(stdout.join("\n")).toMatch(/agent\s+format\s+tasks\s+success %/);
  const last = JSON.parse(stdout.at(-1)!);
  expect(last.resumedTasks).toBe(before.length);
  expect(last.results).toEqual([expect.objectContaining({ agent: "paper", format: "code", tasks: 9, success: 100 })]);
  // Its threads are hidden from `codeact threads`: the end says how to list and remove them.
  expect(second.stderr()).toContain(`threads: codeact threads --eval ${last.evalId}  (delete them with: codeact rm --eval ${last.evalId} --yes)`);
}, 400_000);
