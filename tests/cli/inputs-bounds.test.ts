/**
 * `--input` reads with a bound and never through a link by surprise: a file whose size stat does
 * not know (/proc files say 0) is cut off at the limit instead of filling memory, and a symlink given
 * directly is refused with its target shown; giving the target itself works.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";
import { readInputPaths } from "../../executors/workspace/read-paths";
import { codeact, trajectory } from "./helpers";

describe("--input bounds and links", () => {
  let home: string;
  let script: string;
  beforeAll(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-input-bounds-"));
    script = join(home, "t.json");
    writeFileSync(script, trajectory(["import os\nprint(sorted(os.listdir('/workspace/inputs')), open('/workspace/inputs/secret.txt').read())"], "read"));
  });
  afterAll(() => rmSync(home, { recursive: true, force: true }));
  const run = (args: string[], env: NodeJS.ProcessEnv = {}) => codeact(["run", "read it", "--scripted", script, "--executor", "docker", ...args], { CODEACT_HOME: home, ...env });

  it("a /proc file (stat says 0 bytes) is read only up to the limit, then refused", async () => {
    const r = await run(["--input", "/proc/self/pagemap"], { CODEACT_INPUT_MAX_MB: "1" });
    expect(r.code).toBe(EXIT_CODES.limit);
    expect(r.stderr).toContain('codeact: Input file "pagemap" is over the limit of 1.0 MB per file (its size shows only when read). Raise it with CODEACT_INPUT_MAX_MB=<megabytes>.');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    // The library reader bounds the total too, whatever stat said.
    expect(() => readInputPaths(["/proc/self/pagemap"], { maxFileBytes: 4096, maxTotalBytes: 1024, maxFiles: 10 })).toThrow(/over the limit of 1\.0 KB for all inputs of a run/);
    expect(readInputPaths(["/proc/self/stat"])[0]!.data.toString()).toMatch(/^\d+ /);
  }, 60_000);

  it("a symlink given directly is refused with its target; the target given itself is read", async () => {
    const secret = join(home, "secret.txt");
    writeFileSync(secret, "the secret");
    symlinkSync(secret, join(home, "innocent.csv"));
    mkdirSync(join(home, "folder"));
    symlinkSync(join(home, "folder"), join(home, "folder-link"));
    symlinkSync(join(home, "gone"), join(home, "dangling"));
    for (const [link, target] of [
      ["innocent.csv", secret],
      ["folder-link", join(home, "folder")],
      ["dangling", `${join(home, "gone")} (which does not exist)`],
    ]) {
      const r = await run(["--input", join(home, link!)]);
      expect({ link, code: r.code }).toEqual({ link, code: EXIT_CODES.usage });
      expect(r.stderr).toContain(`codeact: --input ${join(home, link!)} is a symlink to ${target}; a link is not followed silently.`);
    }
    const direct = await run(["--input", secret]);
    expect({ code: direct.code, err: direct.stderr }).toEqual({ code: 0, err: expect.any(String) });
    expect(direct.stdout).toContain("['secret.txt'] the secret");
  }, 120_000);
});
