/**
 * Bad flags stop `codeact run` at once with one human sentence: no zod issue array, no stack, and
 * nothing opened (no checkpoint file, so no lock and no kernel). Limits have sane bounds.
 */
import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LimitsSchema } from "../../graphs/state/limits";
import { EXIT_CODES } from "../../cli/exit-codes";
import { codeact, trajectory } from "./helpers";

describe("codeact run flags", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-flags-"));
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("refuses each bad value up front with a one-line message naming the flag", async () => {
    const good = join(home, "good.json");
    writeFileSync(good, trajectory(["print(1)"]));
    const notJson = join(home, "not.json");
    writeFileSync(notJson, "{planner: nope");
    const wrongShape = join(home, "shape.json");
    writeFileSync(wrongShape, JSON.stringify({ planner: "x", coder: [1] }));
    mkdirSync(join(home, "dir"));
    const cases: [string[], RegExp][] = [
      [["--cell-timeout", "3000000"], /^--cell-timeout must be between 1 and 86400 seconds.*got 3000000$/],
      [["--cell-timeout", "0"], /^--cell-timeout must be between 1 and 86400 seconds/],
      [["--cell-timeout", "1.5"], /^--cell-timeout must be a whole number/],
      [["--wall-clock", "99999999999"], /^--wall-clock must be between 1 and 604800 seconds/],
      [["--max-iterations", "0"], /^--max-iterations must be between 1 and/],
      [["--token-budget", "0"], /^--token-budget must be between 1 and/],
      [["--executor", "foo"], /^--executor must be one of auto, docker, local, remote \(got "foo"\)$/],
      [["--executor", "remote"], /^--executor remote needs --remote-url/],
      [["--base-url", "not a url"], /^--base-url must be an http:\/\/ or https:\/\/ URL/],
      [["--executor", "remote", "--remote-url", "file:///etc/passwd"], /^--remote-url must be an http:\/\/ or https:\/\/ URL/],
      [["--scripted", join(home, "missing.json")], /^--scripted .*missing\.json: cannot read it \(no such file\)$/],
      [["--scripted", join(home, "dir")], /^--scripted .*dir: cannot read it \(it is a directory\)$/],
      [["--scripted", notJson], /^--scripted .*not\.json: not valid JSON/],
      [["--scripted", wrongShape], /^--scripted .*shape\.json: planner: .*; coder\.0: .*; critic: /],
    ];
    const store = join(home, "store.sqlite");
    for (const [flags, message] of cases) {
      const run = await codeact(["run", "task", "--checkpoints", store, "--scripted", good, "--thread", "t1", ...flags], { CODEACT_HOME: home, OPENAI_BASE_URL: "" });
      const lines = run.stderr.trim().split("\n");
      expect([flags, run.code, lines.length]).toEqual([flags, EXIT_CODES.usage, 1]);
      expect(lines[0]).toMatch(/^codeact: /);
      expect([flags, lines[0]!.replace(/^codeact: /, "")]).toEqual([flags, expect.stringMatching(message)]);
      expect(run.stderr).not.toMatch(/\[\s*\{|"code":|\n\s+at /);
      expect(run.stdout).toBe("");
      expect(existsSync(store)).toBe(false); // refused before any store was opened or thread locked
    }
    // The environment is checked the same way, and any schema error left is one line, not an array.
    for (const [env, message] of [
      [{ OPENAI_BASE_URL: "nope" }, /^codeact: OPENAI_BASE_URL must be an http:\/\/ or https:\/\/ URL/],
      [{ OPENAI_BASE_URL: "http://127.0.0.1:9/v1", CODEACT_MODEL: "" }, /^codeact: model: /],
    ] as const) {
      const run = await codeact(["run", "task", "--checkpoints", store], { CODEACT_HOME: home, ...env });
      expect([env, run.code, run.stderr.trim()]).toEqual([env, EXIT_CODES.usage, expect.stringMatching(message)]);
      expect(run.stderr.trim().split("\n")).toHaveLength(1);
      expect(existsSync(store)).toBe(false);
    }
  }, 300_000);

  it("a long but valid cell timeout runs cells normally (no timer overflow)", async () => {
    const script = join(home, "script.json");
    writeFileSync(script, trajectory(['print("finished")']));
    const run = await codeact(["run", "task", "--memory", "--scripted", script, "--executor", "docker", "--cell-timeout", "86400", "--wall-clock", "604800"], { CODEACT_HOME: home });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("finished");
    expect(run.stdout).toContain("✓ ok");
  }, 120_000);

  it("limits beyond what a timer can hold are refused, wherever they come from (library, server)", () => {
    expect(LimitsSchema.safeParse({ cellTimeoutMs: 3_000_000_000 }).success).toBe(false);
    expect(LimitsSchema.safeParse({ cellTimeoutMs: 2 ** 31 }).success).toBe(false);
    expect(LimitsSchema.safeParse({ wallClockMs: 30 * 24 * 3_600_000 }).success).toBe(false);
    expect(LimitsSchema.parse({ cellTimeoutMs: 86_400_000, wallClockMs: 7 * 24 * 3_600_000 })).toMatchObject({ cellTimeoutMs: 86_400_000 });
  });
});
