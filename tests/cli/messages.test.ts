/**
 * Messages that name the right thing, without raw internals: an export into a missing folder,
 * Postgres that cannot be reached or used, a SQLite file cut short, a reader that closes the pipe,
 * a --memory run's closing line, and file names with line separators, all through the real CLI.
 */
import { spawn } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { EXIT_CODES } from "../../cli/exit-codes";
import { ensurePostgres } from "../helpers/postgres";
import { codeact, root, trajectory } from "./helpers";

const RAW = /ENOENT|ENOTFOUND|ECONNREFUSED|getaddrinfo|malformed\n|\n\s+at /;

/** `codeact ARGS | true`: the reader is gone before the first line is written. */
function intoClosedPipe(args: string[], env: NodeJS.ProcessEnv, redirect = ""): Promise<{ code: number; stderr: string }> {
  const cli = [process.execPath, "--import", pathToFileURL(require.resolve("tsx")).href, join(root, "cli", "main.ts"), ...args].map((a) => `'${a}'`).join(" ");
  return new Promise((resolve) => {
    // PIPESTATUS is bash's: the exit code of codeact, not of `true`.
    const child = spawn("bash", ["-c", `${cli} ${redirect}| true; exit \${PIPESTATUS[0]}`], { env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code: code ?? -1, stderr }));
  });
}

describe("messages that name the right thing", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const sep = "a\u2028b\u2029c.txt";
  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-messages-"));
    env = { CODEACT_HOME: home };
    writeFileSync(join(home, "t.json"), trajectory([`import os\nos.makedirs("/workspace/outputs", exist_ok=True)\nopen("/workspace/outputs/${sep}", "w").write("x")\nprint("ok")`], "42"));
    const run = await codeact(["run", "write", "--scripted", join(home, "t.json"), "--executor", "docker", "--thread", "m1"], env);
    expect({ code: run.code, err: run.stderr }).toEqual({ code: 0, err: expect.any(String) });
  }, 120_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("export -o into a missing folder, or onto a folder, says so", async () => {
    const missing = await codeact(["export", "m1", "-o", join(home, "nope", "m1.ipynb")], env);
    expect(missing.code).toBe(EXIT_CODES.not_found);
    expect(missing.stderr).toBe(`codeact: Cannot write ${join(home, "nope", "m1.ipynb")}: the folder ${join(home, "nope")} does not exist. Create it first, or give -o a path in an existing folder.\n`);
    const trajectories = await codeact(["export", "m1", "--format", "sharegpt", "-o", join(home, "nope", "m1.json")], env);
    expect(trajectories.code).toBe(EXIT_CODES.not_found);
    const folder = await codeact(["export", "m1", "-o", home], env);
    expect(folder.code).toBe(EXIT_CODES.usage);
    expect(folder.stderr).toContain(`Cannot write ${home}: it is a folder.`);
    for (const r of [missing, trajectories, folder]) expect(r.stderr).not.toMatch(RAW);
  }, 60_000);

  it("Postgres that cannot be reached or used is named as the checkpoint store, without the password", async () => {
    ensurePostgres();
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as { port: number };
    await new Promise((r) => server.close(r));
    const me = encodeURIComponent(userInfo().username);
    const cases: [string, string][] = [
      ["postgres://u:s3cret@no-such-host.invalid/db", "its host is not known (no-such-host.invalid:5432)"],
      [`postgres://u:s3cret@127.0.0.1:${port}/db`, `nothing accepts connections at 127.0.0.1:${port}`],
      [`postgresql://${me}@localhost/codeact_no_such_db?host=%2Fvar%2Frun%2Fpostgresql`, 'the server has no such database (database "codeact_no_such_db" does not exist)'],
    ];
    for (const [url, why] of cases) {
      for (const args of [["threads"], ["history", "m1"], ["run", "x", "--scripted", join(home, "t.json"), "--executor", "docker"]]) {
        const r = await codeact([...args, "--postgres", url], env);
        expect({ args, code: r.code }).toEqual({ args, code: EXIT_CODES.store });
        // A user name alone may be a token (https://TOKEN@host): it is masked too.
        expect(r.stderr).toContain(`Cannot use the Postgres checkpoint store at ${url.replace(":s3cret@", ":***@").replace(`//${me}@`, "//***@")}: ${why}.`);
        expect(r.stderr).not.toMatch(/s3cret|getaddrinfo|\n\s+at /);
      }
    }
  }, 120_000);

  it("a SQLite file cut short is called damaged, by every command, and left as it is", async () => {
    const file = join(home, "cut.sqlite");
    copyFileSync(join(home, "checkpoints.sqlite"), file);
    truncateSync(file, Math.floor(statSync(file).size / 2));
    const before = readFileSync(file);
    for (const args of [["threads"], ["history", "m1"], ["settings", "m1"], ["export", "m1", "-o", join(home, "cut.ipynb")], ["run", "x", "--scripted", join(home, "t.json"), "--executor", "docker"]]) {
      const r = await codeact([...args, "--checkpoints", file], env);
      expect({ args, code: r.code }).toEqual({ args, code: EXIT_CODES.store });
      expect(r.stderr).toMatch(new RegExp(`^codeact: ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} is a damaged SQLite database \\(database disk image is malformed\\): cut short`));
      expect(r.stderr).toContain("codeact will not overwrite it.");
    }
    expect(readFileSync(file).equals(before)).toBe(true);
  }, 120_000);

  it("a reader that closes the pipe ends a command quietly, and pauses a run (resumable)", async () => {
    for (const args of [["settings", "m1"], ["history", "m1"], ["threads", "--json"], ["files", "m1"]]) {
      const r = await intoClosedPipe(args, env);
      expect({ args, code: r.code, broken: /EPIPE|\n\s+at /.test(r.stderr) }).toEqual({ args, code: 0, broken: false });
    }
    // stderr into the closed pipe too (`2>&1 | head -1`): the listing's closing hint goes there.
    expect(await intoClosedPipe(["files", "m1"], env, "2>&1 ")).toEqual({ code: 0, stderr: "" });
    writeFileSync(join(home, "slow.json"), trajectory(["import time\ntime.sleep(1)\nprint('slept')"], "slept"));
    const run = await intoClosedPipe(["run", "sleep", "--scripted", join(home, "slow.json"), "--executor", "docker", "--thread", "piped", "--json"], env);
    expect({ code: run.code, stack: /\n\s+at /.test(run.stderr) }).toEqual({ code: 129, stack: false });
    const listed = JSON.parse((await codeact(["threads", "--json"], env)).stdout) as { threadId: string; status: string }[];
    expect(listed.find((t) => t.threadId === "piped")?.status).toBe("paused");
    const resumed = await codeact(["resume", "piped", "--scripted", join(home, "slow.json"), "--executor", "docker"], env);
    expect(resumed.code).toBe(0);
  }, 180_000);

  it("a --memory run does not end with an export command that cannot work", async () => {
    const r = await codeact(["run", "write", "--scripted", join(home, "t.json"), "--executor", "docker", "--memory"], env);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain("codeact export");
    expect(r.stdout + r.stderr).toMatch(/was kept in memory \(--memory\) and ends with this command: run without --memory to export or resume a thread later\./);
  }, 60_000);

  it("file names with line and paragraph separators are shown, not obeyed", async () => {
    const r = await codeact(["files", "m1"], env);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("a<U+2028>b<U+2029>c.txt");
    expect(r.stdout).not.toMatch(/[\u2028\u2029]/);
  }, 60_000);
});
