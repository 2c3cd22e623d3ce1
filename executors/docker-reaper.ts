/**
 * Kernel containers are labelled with their owner (host + pid) and their host directory. Orphans of
 * owners that died are removed, with their directories, when an executor starts; so are kernel
 * directories left behind by a dead owner after its container went away. A process removes its own
 * on exit, SIGINT, SIGTERM and SIGHUP.
 */
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import type Docker from "dockerode";
import { isKernelDir, reapStaleKernelDirs, removeKernelDir } from "./kernel-dir";
import { pidAlive } from "./pid";

export const LABEL_APP = "codeact.kernel";
export const LABEL_OWNER_HOST = "codeact.owner.host";
export const LABEL_OWNER_PID = "codeact.owner.pid";
export const LABEL_EXECUTOR = "codeact.executor";
export const LABEL_THREAD = "codeact.thread";
/** The container's per-kernel host directory (bind-mounted at /kernel). */
export const LABEL_DIR = "codeact.kernel.dir";

export function ownerLabels(): Record<string, string> {
  return { [LABEL_APP]: "1", [LABEL_OWNER_HOST]: hostname(), [LABEL_OWNER_PID]: String(process.pid) };
}

/**
 * Removes kernel containers whose owning process on this host no longer exists, and their host
 * directories, then any kernel directory whose owner is gone. Returns the removed containers' ids.
 */
export async function reapOrphans(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_APP}=1`, `${LABEL_OWNER_HOST}=${hostname()}`] },
  });
  const orphans = containers.filter((c) => {
    const pid = Number(c.Labels[LABEL_OWNER_PID]);
    return !Number.isInteger(pid) || !pidAlive(pid);
  });
  await Promise.all(
    orphans.map(async (c) => {
      await docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined);
      // isKernelDir: a label is only a claim; never delete anything but a kernel directory.
      const dir = c.Labels[LABEL_DIR];
      if (dir && isKernelDir(dir)) removeKernelDir(dir);
    }),
  );
  reapStaleKernelDirs();
  return orphans.map((c) => c.Id);
}

/** Containers this process owns (with their host directories), removed when it ends even if nobody called shutdown(). */
const owned = new Map<string, { docker: Docker; dir?: string }>();
/** Container creations in flight: a signal waits for them, so a kernel being created is not left behind. */
const creating = new Set<Promise<unknown>>();
let hooked = false;
const SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

function removeAllSync(): void {
  // 'exit' handlers cannot wait for promises; the docker CLI (when present) is the synchronous path.
  const entries = [...owned.entries()];
  owned.clear();
  if (entries.length === 0) return;
  spawnSync("docker", ["rm", "-f", ...entries.map(([id]) => id)], { stdio: "ignore", timeout: 10_000 });
  for (const [, { dir }] of entries) if (dir) removeKernelDir(dir);
}

async function removeAll(): Promise<void> {
  // A creation that finishes after this point would leak: wait for those in flight (bounded).
  if (creating.size) {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([Promise.allSettled([...creating]), new Promise((r) => (timer = setTimeout(r, 5000)))]);
    clearTimeout(timer);
  }
  const entries = [...owned.entries()];
  owned.clear();
  await Promise.all(
    entries.map(async ([id, { docker, dir }]) => {
      await docker.getContainer(id).remove({ force: true }).catch(() => undefined);
      if (dir) removeKernelDir(dir);
    }),
  );
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (the CLI pauses a run and shuts its kernel down itself):
  // leave the containers to them; the 'exit' hook is the backstop.
  if (process.listenerCount(signal) > 1) return;
  void removeAll().finally(() => {
    for (const s of SIGNALS) process.removeListener(s, onSignal);
    process.kill(process.pid, signal);
  });
}

function hook(): void {
  if (hooked) return;
  hooked = true;
  process.on("exit", removeAllSync);
  for (const s of SIGNALS) process.on(s, onSignal);
}

/** Registers a container creation in flight; pass the promise createContainer returned. */
export function trackCreation<T>(creation: Promise<T>): Promise<T> {
  hook();
  creating.add(creation);
  const done = () => creating.delete(creation);
  creation.then(done, done);
  return creation;
}

export function track(docker: Docker, containerId: string, dir?: string): void {
  owned.set(containerId, { docker, dir });
  hook();
}

export function untrack(containerId: string): void {
  owned.delete(containerId);
}
