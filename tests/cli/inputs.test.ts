/**
 * `codeact run --input`: a CSV and a folder given on the command line are analysed by the kernel's
 * code under /workspace/inputs, and stay with the thread: after kill -9 and `codeact resume` the
 * rebuilt kernel has them (its replay reads them again), and so does a branch.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, startCodeact, waitFor } from "./helpers";

const plan = JSON.stringify({ steps: [{ description: "analyse the inputs", doneCriterion: "the total is printed" }] });
const done = (answer: string) => JSON.stringify({ verdict: "done", answer });
const CSV = "city,temp\nOslo,3\nRome,18\nCairo,30\n";

const READ_CSV = [
  "import csv",
  "rows = list(csv.DictReader(open('/workspace/inputs/data.csv')))",
  "total = sum(int(r['temp']) for r in rows)",
  "print('total', total)",
].join("\n");
const LIST_AND_WAIT = [
  "import os, time",
  "print('files', sorted(os.path.relpath(os.path.join(d, f), '/workspace/inputs') for d, _, fs in os.walk('/workspace/inputs') for f in fs))",
  "print('cell-2 start', flush=True)",
  "time.sleep(4)",
].join("\n");

function script(dir: string, name: string, t: { planner?: string[]; coder: string[]; critic: string[] }): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ planner: t.planner ?? [], coder: t.coder, critic: t.critic }));
  return path;
}
const exec = (code: string) => `<execute>\n${code}\n</execute>`;

describe("codeact run --input (child processes, Docker)", () => {
  let home: string;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-inputs-"));
    writeFileSync(join(home, "data.csv"), CSV);
    mkdirSync(join(home, "reports", "sub"), { recursive: true });
    writeFileSync(join(home, "reports", "a.txt"), "alpha");
    writeFileSync(join(home, "reports", "sub", "b.txt"), "beta");
  });
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  it("analyses a CSV and a folder, and keeps them through kill -9 + resume and a branch", async () => {
    const env = { CODEACT_HOME: home };
    const first = script(home, "first.json", { planner: [plan], coder: [exec(READ_CSV), exec(LIST_AND_WAIT), "<solution>51</solution>"], critic: [done("51")] });
    // Relative paths, from the user's own folder, as typed.
    const run = startCodeact(["run", "sum the temperatures", "--scripted", first, "--thread", "in-1", "--executor", "docker", "--input", join(home, "data.csv"), "--input", `${join(home, "reports")}/`], env);
    // An output line, not the echoed code (which holds the same words).
    await waitFor(() => /^\s*cell-2 start\s*$/m.test(run.output()), 90_000, "the second cell to start");
    expect(run.output()).toContain("total 51");
    expect(run.output()).toContain("files ['data.csv', 'reports/a.txt', 'reports/sub/b.txt']");
    run.child.kill("SIGKILL");
    expect((await run.exit).signal).toBe("SIGKILL");

    // The resumed process's new kernel gets the files before it replays cell 1 (which reads the CSV):
    // `total` is back, and the files are there for new code too.
    const rest = script(home, "rest.json", { coder: [exec("print('resumed', total, open('/workspace/inputs/reports/sub/b.txt').read())"), "<solution>51</solution>"], critic: [done("51")] });
    const resumed = await codeact(["resume", "in-1", "--scripted", rest, "--executor", "docker"], env);
    expect(resumed.stderr).not.toMatch(/Error/);
    expect(resumed.stdout).toContain("resumed 51 beta");
    expect(resumed.code).toBe(0);

    // A branch from after the first cell: another process, another kernel, the same files.
    const history = await codeact(["history", "in-1", "--json"], env);
    const at = (JSON.parse(history.stdout) as { checkpointId: string; next: string[]; summary: string }[]).find((h) => h.next.includes("coder") && h.summary.includes("1 cells"))!.checkpointId;
    expect((await codeact(["branch", "in-1", "--at", at, "--name", "in-1-b", "--no-run"], env)).code).toBe(0);
    const branchScript = script(home, "branch.json", { coder: [exec("print('branch', total, len(open('/workspace/inputs/data.csv').read().splitlines()))"), "<solution>51</solution>"], critic: [done("51")] });
    const branched = await codeact(["resume", "in-1-b", "--scripted", branchScript, "--executor", "docker"], env);
    expect(branched.stdout).toContain("branch 51 4");
    expect(branched.code).toBe(0);
  }, 300_000);

  it("refuses a missing input, one over the size limit, and --input on resume, before any kernel starts", async () => {
    const s = script(home, "s.json", { planner: [plan], coder: ["<solution>x</solution>"], critic: [done("x")] });
    const env = { CODEACT_HOME: home };
    const missing = await codeact(["run", "t", "--scripted", s, "--executor", "docker", "--input", join(home, "nope.csv")], env);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/Input ".*nope\.csv" cannot be read: no such file or folder/);
    expect(missing.stderr).not.toMatch(/^\s+at /m);

    const big = await codeact(["run", "t", "--scripted", s, "--executor", "docker", "--input", join(home, "data.csv")], { ...env, CODEACT_INPUT_MAX_MB: "0.00001" });
    expect(big.code).not.toBe(0);
    expect(big.stderr).toMatch(/Input file "data\.csv" is 34 B, over the limit of 10 B per file\. Raise it with CODEACT_INPUT_MAX_MB=<megabytes>\./);

    const resume = await codeact(["resume", "whatever", "--scripted", s, "--input", join(home, "data.csv")], env);
    expect(resume.code).not.toBe(0);
    expect(resume.stderr).toMatch(/--input goes with a new task/);
  }, 120_000);
});
