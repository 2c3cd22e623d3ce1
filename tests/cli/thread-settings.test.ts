/**
 * Settings live with the thread: `codeact resume`, and `codeact branch` then resume, go on with what
 * the first run recorded (real kernel, real SQLite and Postgres, ChatOpenAI against local fake
 * servers); a typed flag overrides and is recorded; approval mode is sticky; no secret is stored.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { Command } from "commander";
import { type CheckpointerConfig, createCheckpointer } from "../../checkpoints/savers";
import type { ThreadSettingsRecord } from "../../checkpoints/thread-settings";
import { readThreadState } from "../../graphs/threads";
import { addRunFlags, type RunFlags } from "../../cli/run";
import { resolveThreadSettings, settingsFromFlags, typedFlags } from "../../cli/thread-settings";
import { startFakeOpenAI } from "../helpers/fake-openai";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { codeact, trajectory } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

const PLAN = '{"steps": [{"description": "work", "doneCriterion": "worked"}]}';

async function cellsOf(config: CheckpointerConfig, thread: string): Promise<string[]> {
  const store = await createCheckpointer(config);
  try {
    return (await readThreadState(store.saver, thread)).cells.map((c) => c.code);
  } finally {
    await store.close();
  }
}

async function settingsOf(config: CheckpointerConfig, thread: string): Promise<ThreadSettingsRecord[]> {
  const store = await createCheckpointer(config);
  try {
    return await store.settings.history(thread);
  } finally {
    await store.close();
  }
}

describe("which flags count as typed", () => {
  it("a commander default (--executor auto) does not override the recorded executor; a typed flag does", () => {
    const cmd = addRunFlags(new Command().exitOverride());
    cmd.parse(["--max-iterations", "3", "--no-approve"], { from: "user" });
    const given = typedFlags(cmd);
    expect([...given].sort()).toEqual(["approve", "maxIterations"]);
    const flags = cmd.opts<RunFlags>();
    expect(flags.executor).toBe("auto");
    const recorded = settingsFromFlags({ executor: "docker", model: "m-recorded", baseUrl: "http://127.0.0.1:9/v1", maxIterations: 9, approve: true });
    const r = resolveThreadSettings(flags, recorded, { given, command: "resume" });
    expect(r.flags.executor).toBe("docker");
    expect(r.flags.model).toBe("m-recorded");
    expect(r.flags.maxIterations).toBe(3);
    expect(r.flags.approve).toBe(false);
    expect(r.reason).toBe("resume --max-iterations 3 --no-approve");
    // The same command line again changes nothing: nothing new to record.
    expect(resolveThreadSettings(flags, r.settings, { given, command: "resume" }).reason).toBeUndefined();
  });

  it("a model typed on resume replaces a recorded script (one choice: what answers the run); untyped, the script stays", () => {
    const recorded = settingsFromFlags({ executor: "docker", scripted: "/t/traj.json" });
    const cmd = addRunFlags(new Command().exitOverride());
    cmd.parse(["--model", "real-model"], { from: "user" });
    const typed = resolveThreadSettings(cmd.opts<RunFlags>(), recorded, { given: typedFlags(cmd), command: "resume" });
    expect(typed.flags.scripted).toBeUndefined();
    expect(typed.flags.model).toBe("real-model");
    expect(typed.reason).toBe("resume --model real-model");
    const bare = addRunFlags(new Command().exitOverride());
    bare.parse([], { from: "user" });
    const kept = resolveThreadSettings(bare.opts<RunFlags>(), recorded, { given: typedFlags(bare), command: "resume" });
    expect(kept.flags.scripted).toBe("/t/traj.json");
    expect(kept.reused).toContain("--scripted /t/traj.json");
  });
});

describe("codeact resume and branch with recorded settings", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-settings-cli-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("resume with no flags reuses the recorded model, endpoint and limits; an override is recorded; no key is stored (SQLite)", async () => {
    // The first run's endpoint: a plan, then a refusal that stops the run mid-way; later the coder works forever.
    const recordedServer = await startFakeOpenAI([PLAN, { status: 400, message: "stop here" }, "<execute>\nprint('working')\n</execute>"], { repeatLast: true });
    // What the environment points at when resuming: it must not be called.
    const envServer = await startFakeOpenAI([{ status: 400, message: "wrong endpoint" }], { repeatLast: true });
    const db = join(home, "checkpoints.sqlite");
    const config: CheckpointerConfig = { kind: "sqlite", path: db };
    try {
      const first = await codeact(
        ["run", "work", "--thread", "t1", "--model", "recorded-model", "--base-url", recordedServer.baseUrl, "--api-key", "sk-cli-secret-4242", "--max-iterations", "2", "--executor", "docker"],
        { CODEACT_HOME: home, OPENAI_API_KEY: "sk-env-secret-1717", OPENAI_BASE_URL: "" },
      );
      expect(first.stderr).toContain("codeact resume t1");
      expect(first.code).toBe(EXIT_CODES.model);
      expect(recordedServer.requests.map((r) => r.authorization)).toContain("Bearer sk-cli-secret-4242");
      const seen = recordedServer.requests.length;

      const resumed = await codeact(["resume", "t1", "--model-timeout", "30"], { CODEACT_HOME: home, OPENAI_BASE_URL: envServer.baseUrl, CODEACT_MODEL: "env-model", OPENAI_API_KEY: "sk-env-secret-1717" });
      expect(envServer.requests).toHaveLength(0);
      // What the record brings back is said.
      expect(resumed.stderr).toContain(`with the thread's recorded settings: --model recorded-model --base-url ${recordedServer.baseUrl} --executor docker --max-iterations 2`);
      expect(recordedServer.requests.length).toBeGreaterThan(seen);
      expect(recordedServer.requests.slice(seen).map((r) => r.model)).toEqual(recordedServer.requests.slice(seen).map(() => "recorded-model"));
      // The recorded --max-iterations 2, not the default 30.
      expect(resumed.stdout).toMatch(/Stopped \(max_iterations\): reached the limit of 2 coder turns/);
      expect(resumed.code).toBe(2);
      expect(await cellsOf(config, "t1")).toHaveLength(2);

      const records = await settingsOf(config, "t1");
      expect(records.map((r) => r.reason)).toEqual([`run --model recorded-model --base-url ${recordedServer.baseUrl} --executor docker --max-iterations 2`, "resume --model-timeout 30"]);
      expect(records[1]!.settings).toMatchObject({ model: { name: "recorded-model", baseUrl: recordedServer.baseUrl }, modelTimeout: 30, executor: { kind: "docker" }, limits: { maxIterations: 2, approve: false } });

      const shown = await codeact(["settings", "t1"], { CODEACT_HOME: home });
      expect(shown.code).toBe(0);
      expect(shown.stdout).toContain("resume --model-timeout 30");
      expect(shown.stdout).toContain("  modelTimeout: (default) → 30");

      const bytes = [db, `${db}-wal`].filter((p) => existsSync(p)).map((p) => readFileSync(p).toString("latin1")).join("");
      expect(bytes).toContain("recorded-model");
      expect(bytes).not.toContain("sk-cli-secret-4242");
      expect(bytes).not.toContain("sk-env-secret-1717");
    } finally {
      await recordedServer.close();
      await envServer.close();
    }
  }, 240_000);

  it("a thread in approval mode never runs the waiting action without a decision; --no-approve is recorded and then actions run (SQLite)", async () => {
    const script = join(home, "script.json");
    writeFileSync(script, trajectory(["print('ran-' + 'unapproved')"], "done"));
    const env = { CODEACT_HOME: home, OPENAI_API_KEY: "", OPENAI_BASE_URL: "" };
    const config: CheckpointerConfig = { kind: "sqlite", path: join(home, "checkpoints.sqlite") };
    const first = await codeact(["run", "print", "--approve", "--scripted", script, "--executor", "docker", "--thread", "ap"], env, { input: "" });
    expect(first.stderr).toContain("the action has not run");
    expect(first.code).toBe(EXIT_CODES.usage);

    // No --approve this time (and everything else given again): the action still waits for a decision.
    const again = await codeact(["resume", "ap", "--scripted", script, "--executor", "docker"], env, { input: "" });
    expect(again.stderr).toContain("Approval needed");
    expect(again.stderr).toContain("the action has not run");
    expect(again.stdout).not.toContain("ran-unapproved");
    expect(again.code).toBe(EXIT_CODES.usage);
    expect(await cellsOf(config, "ap")).toEqual([]);

    // A thread recorded before settings existed: its waiting approval is honoured all the same.
    const saved = new Database(config.path!);
    saved.prepare("DELETE FROM codeact_thread_settings WHERE thread_id = 'ap'").run();
    saved.close();
    const legacy = await codeact(["resume", "ap", "--scripted", script, "--executor", "docker"], env, { input: "" });
    expect(legacy.stderr).toContain("Approval needed");
    expect(legacy.stdout).not.toContain("ran-unapproved");
    expect(await cellsOf(config, "ap")).toEqual([]);

    const leave = await codeact(["resume", "ap", "--no-approve"], env, { input: "" });
    expect(leave.stderr).not.toContain("Approval needed");
    expect(leave.stdout).toContain("ran-unapproved");
    expect(leave.code).toBe(0);
    const records = await settingsOf(config, "ap");
    expect(records.at(-1)!.reason).toBe("resume --no-approve");
    expect(records.at(-1)!.settings.limits.approve).toBe(false);
    expect(records.map((r) => [r.reason, r.settings.limits.approve])).toEqual([[`resume --executor docker --scripted ${script} (approval mode: an action was waiting for approval)`, true], ["resume --no-approve", false]]);
  }, 240_000);

  it("a branch runs with the settings of the thread it came from, approval mode included (Postgres)", async () => {
    const pg: TestDatabase = createTestDatabase();
    const script = join(home, "script.json");
    writeFileSync(script, trajectory(["print('branch-' + 'ran')"], "done"));
    const env = { CODEACT_HOME: home, OPENAI_API_KEY: "", OPENAI_BASE_URL: "" };
    const config: CheckpointerConfig = { kind: "postgres", connectionString: pg.url };
    try {
      const first = await codeact(["run", "print", "--approve", "--scripted", script, "--executor", "docker", "--postgres", pg.url, "--thread", "pb"], env, { input: "" });
      expect(first.code).toBe(EXIT_CODES.usage);
      const history = JSON.parse((await codeact(["history", "pb", "--postgres", pg.url, "--json"], env)).stdout) as { checkpointId: string; next: string[] }[];
      const at = history.find((h) => h.next.includes("executor"))!.checkpointId;
      const branch = await codeact(["branch", "pb", "--at", at, "--name", "pb-b", "--no-run", "--postgres", pg.url, "--json"], env);
      expect(branch.code).toBe(0);
      const records = await settingsOf(config, "pb-b");
      expect(records.map((r) => r.reason)).toEqual([`branch from pb@${at}`]);
      expect(records[0]!.settings).toMatchObject({ scripted: script, executor: { kind: "docker" }, limits: { approve: true } });

      // No flags: the recorded trajectory and executor, and approval mode (approved here from the input;
      // a scripted model starts its script again in a new process, so the action comes twice).
      const resumed = await codeact(["resume", "pb-b", "--postgres", pg.url], env, { input: "a\na\n" });
      expect(resumed.stderr).toContain("Approval needed");
      expect(resumed.stdout).toContain("branch-ran");
      expect(resumed.code).toBe(0);
      expect(await cellsOf(config, "pb-b")).toContain("print('branch-' + 'ran')");
      expect(await cellsOf(config, "pb")).toEqual([]);
    } finally {
      pg.drop();
    }
  }, 240_000);
});
