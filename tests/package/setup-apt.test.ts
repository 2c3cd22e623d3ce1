/**
 * Setup's apt helper with the real apt-get: it waits for a dpkg lock another process holds (and
 * says who holds it) instead of failing, and, quiet, keeps apt's output in a log it names on failure.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { aptEnsure, aptGet, dpkgLockHolder } from "../../scripts/apt";

const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get") && existsSync("/var/lib/dpkg/lock-frontend");
const maybe = canApt ? describe : describe.skip;

/** Holds the dpkg front-end lock the way apt does (fcntl) until its stdin closes. */
function holdDpkgLock(): Promise<{ pid: number; release: () => void }> {
  const child = spawn("python3", ["-c", "import fcntl,os,sys\nfd=os.open('/var/lib/dpkg/lock-frontend',os.O_RDWR)\nfcntl.lockf(fd,fcntl.LOCK_EX)\nprint('locked',flush=True)\nsys.stdin.read()"], { stdio: ["pipe", "pipe", "inherit"] });
  return new Promise((resolve, reject) => {
    child.stdout!.once("data", () => resolve({ pid: child.pid!, release: () => child.stdin!.end() }));
    child.on("exit", (code) => reject(new Error(`lock holder exited (${code})`)));
  });
}

maybe("setup's apt helper", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-apt-"));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("waits for the dpkg lock held by another process, names it, then succeeds", async () => {
    const holder = await holdDpkgLock();
    const lines: string[] = [];
    let finished = false;
    try {
      expect(dpkgLockHolder()).toBe(`python3 (pid ${holder.pid})`);
      // dpkg is always installed and --no-upgrade leaves it as it is: apt has nothing to do once it
      // has the lock, and the machine is not changed.
      const result = aptGet(["install", "-y", "-qq", "--no-upgrade", "dpkg"], { log: (l) => lines.push(l), logFile: join(dir, "apt.log") }).then((code) => {
        finished = true;
        return code;
      });
      // While the lock is held apt can only end by giving up: not ended means it waits.
      await new Promise((r) => setTimeout(r, 3000));
      expect(finished).toBe(false);
      holder.release();
      expect(await result).toBe(0);
    } finally {
      holder.release();
    }
    expect(lines).toEqual([expect.stringContaining(`waiting for the dpkg lock held by python3 (pid ${holder.pid})`)]);
  });

  it("quiet: apt's output goes to the log file, and a failure names it", async () => {
    const lines: string[] = [];
    const logFile = join(dir, "setup.log");
    const ok = await aptEnsure(["codeact-no-such-package"], "a test", { log: (l) => lines.push(l), logFile, update: false });
    expect(ok).toBe(false);
    expect(lines).toEqual([expect.stringContaining("installing codeact-no-such-package (a test)"), expect.stringContaining(`its full output is in ${logFile}`)]);
    expect(readFileSync(logFile, "utf8")).toContain("Unable to locate package codeact-no-such-package");
  });
});
