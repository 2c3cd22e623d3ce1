/**
 * `codeact files` writes names chosen by sandboxed code, so only into a folder that is the user's
 * own and really a folder: --out naming a symlink, a planted default `./<thread>-files` symlink, a
 * folder of another user or a file are refused with a clear error, and nothing lands in the target.
 */
import { chownSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";
import { codeact, trajectory } from "./helpers";

describe("codeact files: where it writes", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-files-out-"));
    env = { CODEACT_HOME: home };
    writeFileSync(join(home, "t.json"), trajectory(['import os\nos.makedirs("/workspace/outputs", exist_ok=True)\nopen("/workspace/outputs/.bashrc", "w").write("evil")\nprint("ok")']));
    const run = await codeact(["run", "write a file", "--scripted", join(home, "t.json"), "--executor", "docker", "--thread", "f1"], env);
    expect({ code: run.code, err: run.stderr }).toEqual({ code: 0, err: expect.any(String) });
  }, 120_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("refuses --out naming a symlink to a folder, naming the target; giving the target itself works", async () => {
    const target = join(home, "victim");
    mkdirSync(target);
    symlinkSync(target, join(home, "link"));
    const r = await codeact(["files", "f1", "--out", join(home, "link")], env);
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toContain(`codeact: Refusing to write files into ${join(home, "link")}: it is a symlink to ${target}`);
    expect(r.stderr).toContain(`--out ${target}`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(target)).toEqual([]);

    const direct = await codeact(["files", "f1", "--out", target], env);
    expect({ code: direct.code, err: direct.stderr }).toEqual({ code: 0, err: "" });
    expect(readFileSync(join(target, ".bashrc"), "utf8")).toBe("evil");
  }, 60_000);

  it("refuses a planted default folder (./<thread>-files as a symlink)", async () => {
    const cwd = join(home, "work");
    const target = join(home, "planted-target");
    mkdirSync(cwd);
    mkdirSync(target);
    symlinkSync(target, join(cwd, "f1-files"));
    const r = await codeact(["files", "f1", "--get", ".bashrc"], env, { cwd });
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toContain(`Refusing to write files into ${join(cwd, "f1-files")}: it is a symlink to ${target}`);
    expect(readdirSync(target)).toEqual([]);
  }, 60_000);

  it("refuses a folder of another user, and a file given as the folder", async () => {
    const theirs = join(home, "theirs");
    mkdirSync(theirs);
    chownSync(theirs, 4242, 4242);
    const r = await codeact(["files", "f1", "--out", theirs], env);
    expect(r.code).toBe(EXIT_CODES.usage);
    expect(r.stderr).toContain(`Refusing to write files into ${theirs}: it belongs to another user (uid 4242; you are uid ${process.getuid!()})`);
    expect(readdirSync(theirs)).toEqual([]);

    writeFileSync(join(home, "plain"), "x");
    const f = await codeact(["files", "f1", "--out", join(home, "plain")], env);
    expect(f.code).toBe(EXIT_CODES.usage);
    expect(f.stderr).toContain("it is not a folder");
    expect(readFileSync(join(home, "plain"), "utf8")).toBe("x");

    // A new folder (and its parents) is made, and is the user's own.
    const fresh = await codeact(["files", "f1", "--out", join(home, "new", "deep")], env);
    expect({ code: fresh.code, err: fresh.stderr }).toEqual({ code: 0, err: "" });
    expect(readdirSync(join(home, "new", "deep"))).toEqual([".bashrc"]);
  }, 60_000);
});
