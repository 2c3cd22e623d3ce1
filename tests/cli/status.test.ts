/**
 * Honest status, through the CLI as a user sees it, on real SQLite and Postgres with a real Docker
 * kernel and scripted models: running while a process holds the thread, paused after Ctrl-C,
 * crashed after kill -9, waiting at an approval, done, failed on a budget. `codeact threads` shows
 * turns, cells, last activity and the action that waits; `--json` events carry the thread and a
 * timestamp, and `finished` carries tokens, model calls, cells and duration.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ThreadSummary } from "../../checkpoints/thread-status";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { codeact, type Running, startCodeact, trajectory, waitFor } from "./helpers";

const removeContainers = (threads: string[]) => {
  for (const t of threads) {
    const ids = execFileSync("docker", ["ps", "-a", "-q", "--filter", `label=codeact.thread=${t}`], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
    if (ids.length) execFileSync("docker", ["rm", "-f", ...ids], { stdio: "ignore" });
  }
};

describe.each(["sqlite", "postgres"] as const)("thread status (%s, Docker kernel, CLI)", (kind) => {
  let home: string;
  let db: TestDatabase | undefined;
  let store: string[];
  let env: NodeJS.ProcessEnv;
  const started: string[] = [];
  let running: Running | undefined;

  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-status-"));
    db = kind === "postgres" ? createTestDatabase() : undefined;
    store = db ? ["--postgres", db.url] : ["--checkpoints", join(home, "checkpoints.sqlite")];
    env = { CODEACT_HOME: home };
  });
  afterEach(() => void running?.child.kill("SIGKILL"));
  afterAll(() => {
    removeContainers(started);
    db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  const script = (name: string, text: string) => {
    const path = join(home, `${name}.json`);
    writeFileSync(path, text);
    return path;
  };
  const run = (thread: string, traj: string, extra: string[] = [], input?: string) => {
    started.push(thread);
    return codeact(["run", `task of ${thread}`, "--scripted", traj, "--thread", thread, "--executor", "docker", ...store, ...extra], env, input === undefined ? {} : { input });
  };
  const threads = async (): Promise<ThreadSummary[]> => {
    const r = await codeact(["threads", "--json", ...store], env);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    return JSON.parse(r.stdout) as ThreadSummary[];
  };
  const one = async (thread: string) => (await threads()).find((t) => t.threadId === thread);
  /** A run whose second cell prints "two" and then sleeps, to be stopped from outside. */
  const startLong = (thread: string) => {
    started.push(thread);
    const traj = script(thread, trajectory(["kept = 41\nprint('one')", "import time\nprint('t' + 'wo', flush=True)\ntime.sleep(120)"], "41"));
    return (running = startCodeact(["run", `task of ${thread}`, "--scripted", traj, "--thread", thread, "--executor", "docker", ...store], env));
  };

  it("done: threads shows turns, cells and last activity; --json events carry thread and ts; finished carries the counts", async () => {
    const before = new Date().toISOString();
    const r = await run("st-done", script("done", trajectory(["x = 20\nprint(x)", "print(x + 1)"], "21")), ["--json"]);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: "" });
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(events.length).toBeGreaterThan(5);
    for (const e of events) {
      expect(e.thread).toBe("st-done");
      expect(typeof e.ts).toBe("string");
      expect(new Date(e.ts as string).toISOString()).toBe(e.ts);
      expect((e.ts as string) >= before).toBe(true);
    }
    const finished = events.at(-1)!;
    // planner 1 + coder 3 (two actions, the answer) + critic 1 (the answer)
    expect(finished).toEqual({ type: "finished", status: "done", answer: "21", detail: "", tokens: expect.any(Number), modelCalls: 5, cells: 2, durationMs: expect.any(Number), turn: 0, thread: "st-done", ts: expect.any(String) });
    expect(finished.tokens as number).toBeGreaterThan(0);
    expect(finished.durationMs as number).toBeGreaterThanOrEqual(0);

    const t = await one("st-done");
    expect(t).toMatchObject({ task: "task of st-done", status: "done", runStatus: "done", turns: 1, cells: 2 });
    expect(t!.updated >= before).toBe(true);
    expect(t!.waiting).toBeUndefined();
  }, 180_000);

  it("failed: a run stopped by --max-iterations 1 shows failed with the budget", async () => {
    const r = await run("st-failed", script("failed", trajectory(["print(1)", "print(2)"])), ["--max-iterations", "1"]);
    expect(r.code).toBe(2);
    expect(await one("st-failed")).toMatchObject({ status: "failed", runStatus: "max_iterations", detail: expect.stringContaining("max_iterations"), cells: 1 });
  }, 180_000);

  it("running while its process holds it, paused after Ctrl-C (SIGINT) mid-cell", async () => {
    const r = startLong("st-paused");
    await waitFor(() => /^two$/m.test(r.output()), 120_000, "the second cell");
    expect(await one("st-paused")).toMatchObject({ status: "running", detail: kind === "sqlite" ? expect.stringContaining(`pid ${r.child.pid}`) : expect.stringContaining("Postgres backend"), cells: 1 });
    r.child.kill("SIGINT");
    expect(await r.exit).toEqual({ code: 130, signal: null });
    expect(await one("st-paused")).toMatchObject({ status: "paused", detail: expect.stringContaining("SIGINT"), runStatus: "running", cells: 1 });
  }, 180_000);

  it("crashed after kill -9 mid-cell: no live holder and no clean stop recorded", async () => {
    const r = startLong("st-crashed");
    await waitFor(() => /^two$/m.test(r.output()), 120_000, "the second cell");
    const pid = r.child.pid;
    r.child.kill("SIGKILL");
    expect(await r.exit).toEqual({ code: null, signal: "SIGKILL" });
    // Postgres releases the dead connection's lock once it sees the socket close: poll, not sleep.
    let t: ThreadSummary | undefined;
    for (let i = 0; i < 60 && (t = await one("st-crashed"))?.status !== "crashed"; i++) await new Promise((res) => setTimeout(res, 500));
    expect(t).toMatchObject({ status: "crashed", runStatus: "running", detail: expect.stringContaining(`pid ${pid}`), cells: 1 });
    removeContainers(["st-crashed"]);
  }, 180_000);

  it("waiting: an --approve --json run without a terminal stops at the approval; threads shows the action's first line", async () => {
    const r = await run("st-waiting", script("waiting", trajectory(["\n# the answer\nanswer = 6 * 7\nprint(answer)"], "42")), ["--approve", "--json"], "");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("has not run");
    expect(await one("st-waiting")).toMatchObject({ status: "waiting", waiting: { kind: "approve_code", text: "# the answer" }, cells: 0, turns: 1 });
    const table = await codeact(["threads", ...store], env);
    expect(table.code).toBe(0);
    const line = table.stdout.split("\n").find((l) => l.includes("st-waiting"));
    expect(line).toMatch(/waiting.*approve: # the answer/);
    for (const [id, status] of [["st-done", "done"], ["st-failed", "failed"], ["st-paused", "paused"], ["st-crashed", "crashed"]]) {
      expect(table.stdout.split("\n").find((l) => l.startsWith(`${id} `))).toContain(status);
    }
  }, 180_000);
});
