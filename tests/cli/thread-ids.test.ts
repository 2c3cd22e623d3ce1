/** Thread ids are checked before any path, label or store query is built from them. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";
import { checkThreadId, isValidThreadId } from "../../checkpoints/thread-id";
import { codeact } from "./helpers";

const MESSAGE = /Invalid thread id "(.*)": use letters, digits, '\.', '_' or '-' \(max 128\), not starting with '\.' or '-'/;

describe("thread ids", () => {
  let base: string;
  let home: string;
  let cwd: string;
  beforeEach(() => {
    base = mkdtempSync(join(tmpdir(), "codeact-ids-"));
    home = join(base, "a", "b", "home");
    cwd = join(base, "a", "b", "cwd");
    mkdirSync(home, { recursive: true });
    mkdirSync(cwd, { recursive: true });
  });
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("accepts ordinary ids and refuses traversal, empty, hidden, flag-like and overlong ones", () => {
    for (const ok of ["run-20260101-000000-abcdef", "crash-1", "a", "A.b_c-d", "x".repeat(128), "0f8e2c1a-7d6b-4c5e-9f1a-2b3c4d5e6f70"]) expect(isValidThreadId(ok)).toBe(true);
    for (const bad of ["", "../../x", "..", "a..b", ".hidden", "-rf", "a/b", "a\\b", "x".repeat(129), "a b", "é", "a\nb", "a\u0000b"]) {
      expect(isValidThreadId(bad)).toBe(false);
      expect(() => checkThreadId(bad)).toThrow(MESSAGE);
    }
  });

  it("every command refuses a bad id with one clear line and writes nothing outside CODEACT_HOME", async () => {
    const traj = join(base, "t.json");
    writeFileSync(traj, JSON.stringify({ planner: [], coder: [], critic: [] }));
    const env = { CODEACT_HOME: home };
    const cases: string[][] = [
      ["run", "task", "--thread", "../../x", "--scripted", traj, "--executor", "local"],
      ["run", "task", "--thread", "", "--scripted", traj, "--executor", "local"],
      ["run", "task", "--thread", "../../x", "--scripted", traj, "--executor", "local", "--out", join(base, "plots")],
      ["resume", "../../x", "--scripted", traj, "--executor", "local"],
      ["resume", "", "--scripted", traj, "--executor", "local"],
      ["history", "../../x"],
      ["history", ""],
      ["export", "../../x"],
      ["export", "", "--format", "html"],
      ["branch", "../../x", "--at", "1"],
      ["branch", "ok-thread", "--at", "1", "--name", "../../y"],
    ];
    for (const args of cases) {
      const r = await codeact(args, env, { cwd });
      expect({ args, code: r.code }).toEqual({ args, code: EXIT_CODES.usage });
      expect(r.stderr).toMatch(MESSAGE);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
      expect(r.stderr).not.toMatch(/thread_id|configurable/); // no LangGraph internals
    }
    // Nothing was created next to CODEACT_HOME or the working directory by a traversing id.
    expect(readdirSync(join(base, "a")).sort()).toEqual(["b"]);
    expect(readdirSync(join(base, "a", "b")).sort()).toEqual(["cwd", "home"]);
    expect(readdirSync(cwd)).toEqual([]);
    expect(existsSync(join(base, "x"))).toBe(false);
    expect(existsSync(join(base, "x.ipynb"))).toBe(false);
  }, 120_000);
});
