/**
 * Reaching a Docker engine: `connectDocker` for executors (ping, or an error that says how to get
 * one), `ensureDockerEngine` for setup (as root on Debian/Ubuntu, installs docker.io and starts
 * dockerd when nothing answers — never a second daemon).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import Docker from "dockerode";
import { pidAlive } from "./pid";
import { codeactHome } from "./setup-state";
import { ExecutorUnavailableError } from "./types";

/** How to get a Docker engine; `local` names the local executor as the reader would choose it. */
export const howToStart = (local: string): string =>
  "Start one (`sudo systemctl start docker`, or as root `dockerd --iptables=false --storage-driver=overlay2 &`), " +
  "run `npm run setup` (as root on Debian/Ubuntu it installs and starts one), or set DOCKER_HOST to a reachable engine. " +
  `Without Docker, only an explicit ${local} runs code: an UNSANDBOXED local kernel, with your user's rights ` +
  "(it can read your files and your other processes' environments).";

export const HOW_TO_START = howToStart('`executor: "local"` setting');

async function ping(docker: Docker, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      docker.ping(),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs))),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

function where(): string {
  return process.env.DOCKER_HOST ?? "unix:///var/run/docker.sock";
}

export async function connectDocker(options: Docker.DockerOptions = {}, timeoutMs = 5000): Promise<Docker> {
  const docker = new Docker(options);
  try {
    await ping(docker, timeoutMs);
    return docker;
  } catch (err) {
    throw new ExecutorUnavailableError(`No Docker engine answers at ${where()} (${(err as Error).message}).`, HOW_TO_START, "start_docker");
  }
}

export async function dockerAnswers(timeoutMs = 3000): Promise<boolean> {
  try {
    await ping(new Docker(), timeoutMs);
    return true;
  } catch {
    return false;
  }
}

function pidFileAlive(file: string): boolean {
  try {
    return pidAlive(Number(readFileSync(file, "utf8").trim()));
  } catch {
    return false;
  }
}

/**
 * Makes a local Docker engine answer if this process may: root on a Debian/Ubuntu machine with no
 * DOCKER_HOST pointing elsewhere. Returns false (having said why and how) when it cannot.
 */
export async function ensureDockerEngine(
  log: (line: string) => void,
  // Setup passes its own installer (quiet, lock-aware, logged); executors never install anything.
  install: (packages: string[], why: string) => Promise<boolean> = async (packages) => {
    const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
    // Wait for a dpkg lock another apt process holds (a fresh cloud machine's unattended upgrades).
    const update = spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "update", "-qq"], { stdio: "inherit", env });
    const done = spawnSync("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", ...packages], { stdio: "inherit", env });
    return update.status === 0 && done.status === 0;
  },
): Promise<boolean> {
  if (await dockerAnswers()) return true;
  if (process.env.DOCKER_HOST) {
    log(`No Docker engine answers at DOCKER_HOST=${process.env.DOCKER_HOST}. Check that engine, or unset DOCKER_HOST to use a local one.`);
    return false;
  }
  const root = process.getuid?.() === 0;
  const debian = existsSync("/etc/debian_version") && existsSync("/usr/bin/apt-get");
  if (!root || !debian) {
    log(`No Docker engine answers at ${where()}. ${HOW_TO_START}`);
    return false;
  }
  if (!existsSync("/usr/sbin/dockerd") && !existsSync("/usr/bin/dockerd")) {
    log("No Docker engine here: installing Debian's docker.io (apt-get install docker.io)…");
    if (!(await install(["docker.io"], "the Docker engine"))) {
      log(`Installing docker.io failed. ${HOW_TO_START}`);
      return false;
    }
  }
  // A daemon that is still starting has written its pid file: wait for it rather than start another.
  if (!pidFileAlive("/var/run/docker.pid")) {
    mkdirSync(codeactHome(), { recursive: true });
    const logFile = join(codeactHome(), "dockerd.log");
    log(`Starting dockerd (overlay2, --iptables=false); its log: ${logFile}`);
    const out = openSync(logFile, "a");
    const daemon = spawn("dockerd", ["--iptables=false", "--storage-driver=overlay2"], { detached: true, stdio: ["ignore", out, out] });
    daemon.unref();
  }
  for (let i = 0; i < 120; i++) {
    if (await dockerAnswers(1000)) return true;
    await new Promise((r) => setTimeout(r, 500));
  }
  log(`dockerd did not answer within 60 s; see ${join(codeactHome(), "dockerd.log")}. ${HOW_TO_START}`);
  return false;
}
