/**
 * Debian packages for setup: installed only when missing, as root, waiting (with a message) for a
 * dpkg lock another apt process holds, and — quiet — with apt's output kept in a log file that is
 * named when something fails.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, statSync } from "node:fs";
import { dirname } from "node:path";

/** apt-get waits this long for the dpkg lock (a fresh cloud machine's unattended upgrades hold it for minutes). */
export const LOCK_TIMEOUT_S = 600;
const LOCKS = ["/var/lib/dpkg/lock-frontend", "/var/lib/dpkg/lock"];

export interface AptOptions {
  log: (line: string) => void;
  /** apt's own output goes to this file instead of the terminal. */
  logFile?: string;
  /** Refresh the package lists first (once per process); default true. */
  update?: boolean;
}

export function missingPackages(packages: string[]): string[] {
  return packages.filter((p) => spawnSync("dpkg-query", ["-W", "-f=${Status}", p], { encoding: "utf8" }).stdout?.includes("install ok installed") !== true);
}

/** "python3 (pid 123)" for the process holding a dpkg lock, from /proc/locks; undefined when free. */
export function dpkgLockHolder(): string | undefined {
  let locks: string;
  try {
    locks = readFileSync("/proc/locks", "utf8");
  } catch {
    return undefined;
  }
  for (const path of LOCKS) {
    if (!existsSync(path)) continue;
    const { ino, dev } = statSync(path);
    // /proc/locks names the file as major:minor:inode, the device numbers in hex.
    const id = `${((dev >> 8) & 0xfff).toString(16).padStart(2, "0")}:${((dev & 0xff) | ((dev >> 12) & 0xfff00)).toString(16).padStart(2, "0")}:${ino}`;
    // e.g. "1: POSIX  ADVISORY  WRITE 1234 08:01:393231 0 EOF"
    for (const line of locks.split("\n")) {
      const f = line.trim().split(/\s+/);
      if (f.length < 6 || f[1] === "->" || f[5] !== id) continue;
      const pid = Number(f[4]); // -1 for an open-file-description lock: no owner pid
      if (!(pid > 0)) return "another process";
      let name = "another process";
      try {
        name = readFileSync(`/proc/${pid}/comm`, "utf8").trim() || name;
      } catch {
        // gone already, or another pid namespace
      }
      return `${name} (pid ${pid})`;
    }
  }
  return undefined;
}

/** Runs apt-get with the lock timeout; says who holds the lock while it waits. Resolves with the exit code. */
export function aptGet(args: string[], opts: AptOptions): Promise<number> {
  const holder = dpkgLockHolder();
  if (holder) opts.log(`waiting for the dpkg lock held by ${holder} (up to ${LOCK_TIMEOUT_S / 60} minutes)…`);
  let out: number | "inherit" = "inherit";
  if (opts.logFile) {
    mkdirSync(dirname(opts.logFile), { recursive: true });
    out = openSync(opts.logFile, "a");
  }
  const child = spawn("apt-get", ["-o", `DPkg::Lock::Timeout=${LOCK_TIMEOUT_S}`, ...args], {
    stdio: ["ignore", out, out],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return new Promise((resolve) => {
    const done = (code: number) => {
      if (typeof out === "number") closeSync(out);
      resolve(code);
    };
    child.on("error", () => done(127));
    child.on("exit", (code) => done(code ?? 1));
  });
}

let updated = false;

/** Installs what is missing of `packages`; true when all are there afterwards. */
export async function aptEnsure(packages: string[], why: string, opts: AptOptions): Promise<boolean> {
  const missing = missingPackages(packages);
  if (missing.length === 0) return true;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    opts.log(`${why} needs ${missing.join(", ")}; install them (apt-get install ${missing.join(" ")}).`);
    return false;
  }
  opts.log(`installing ${missing.join(", ")} (${why})…`);
  const failed = (what: string) => {
    opts.log(`${what} failed${opts.logFile ? `; its full output is in ${opts.logFile}` : ""}.`);
    return false;
  };
  if (!updated && opts.update !== false) {
    if ((await aptGet(["update", "-qq"], opts)) !== 0) return failed("apt-get update");
    updated = true;
  }
  if ((await aptGet(["install", "-y", "-qq", ...missing], opts)) !== 0) return failed(`apt-get install ${missing.join(" ")}`);
  opts.log(`installed ${missing.join(", ")}.`);
  return true;
}
