/** Scale-out: several worker processes on one Postgres checkpointer run different threads at once. */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const root = join(__dirname, "..", "..");

function codeact(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1", ...env } });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (out += d.toString()));
    child.on("exit", (code) => resolve({ code, out }));
  });
}

describe("workers on one Postgres", () => {
  let db: TestDatabase;
  let home: string;
  beforeAll(() => {
    db = createTestDatabase();
    home = mkdtempSync(join(tmpdir(), "codeact-workers-"));
  });
  afterAll(() => {
    db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it("three workers run three threads concurrently; any worker lists and reads them all", async () => {
    const runs = [0, 1, 2].map((i) => {
      const traj = join(home, `t${i}.json`);
      writeFileSync(traj, JSON.stringify({
        planner: ['{"steps": [{"description": "compute", "doneCriterion": "printed"}]}'],
        coder: [`<execute>\nimport time; time.sleep(1)\nprint(${i} * 100)\n</execute>`, `<solution>${i * 100}</solution>`],
        critic: [`{"verdict": "done", "answer": "${i * 100}"}`],
      }));
      return codeact(["run", `worker task ${i}`, "--scripted", traj, "--thread", `w-${i}`, "--postgres", db.url, "--executor", "docker"], { CODEACT_HOME: home });
    });
    const results = await Promise.all(runs);
    for (const r of results) if (r.code !== 0) throw new Error(r.out);
    const list = await codeact(["threads", "--postgres", db.url, "--json"], { CODEACT_HOME: home });
    const threads = JSON.parse(list.out.trim().split("\n").pop()!) as { threadId: string; status: string }[];
    expect(threads.map((t) => [t.threadId, t.status]).sort()).toEqual([["w-0", "done"], ["w-1", "done"], ["w-2", "done"]]);
  }, 180_000);
});
