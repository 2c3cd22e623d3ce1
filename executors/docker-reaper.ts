/**
 * Kernel containers are labelled with their owner (host + pid). Orphans of owners that died are
 * removed when an executor starts; a process removes its own on exit, SIGINT and SIGTERM.
 */
import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import type Docker from "dockerode";
import { pidAlive } from "./pid";

export const LABEL_APP = "codeact.kernel";
export const LABEL_OWNER_HOST = "codeact.owner.host";
export const LABEL_OWNER_PID = "codeact.owner.pid";
export const LABEL_EXECUTOR = "codeact.executor";
export const LABEL_THREAD = "codeact.thread";

export function ownerLabels(): Record<string, string> {
  return { [LABEL_APP]: "1", [LABEL_OWNER_HOST]: hostname(), [LABEL_OWNER_PID]: String(process.pid) };
}

/** Removes kernel containers whose owning process on this host no longer exists. Returns their ids. */
export async function reapOrphans(docker: Docker): Promise<string[]> {
  const containers = await docker.listContainers({
    all: true,
    filters: { label: [`${LABEL_APP}=1`, `${LABEL_OWNER_HOST}=${hostname()}`] },
  });
  const orphans = containers.filter((c) => {
    const pid = Number(c.Labels[LABEL_OWNER_PID]);
    return !Number.isInteger(pid) || !pidAlive(pid);
  });
  await Promise.all(orphans.map((c) => docker.getContainer(c.Id).remove({ force: true }).catch(() => undefined)));
  return orphans.map((c) => c.Id);
}

/** Containers this process owns, removed when it ends even if nobody called shutdown(). */
const owned = new Map<string, Docker>();
let hooked = false;

function removeAllSync(): void {
  // 'exit' handlers cannot wait for promises; the docker CLI (when present) is the synchronous path.
  const ids = [...owned.keys()];
  if (ids.length === 0) return;
  spawnSync("docker", ["rm", "-f", ...ids], { stdio: "ignore", timeout: 10_000 });
  owned.clear();
}

async function removeAll(): Promise<void> {
  const entries = [...owned.entries()];
  owned.clear();
  await Promise.all(entries.map(([id, docker]) => docker.getContainer(id).remove({ force: true }).catch(() => undefined)));
}

function onSignal(signal: NodeJS.Signals): void {
  // Someone else handles this signal (the CLI pauses a run and shuts its kernel down itself):
  // leave the containers to them; the 'exit' hook is the backstop.
  if (process.listenerCount(signal) > 1) return;
  void removeAll().finally(() => {
    process.removeListener(signal, onSignal);
    process.kill(process.pid, signal);
  });
}

export function track(docker: Docker, containerId: string): void {
  owned.set(containerId, docker);
  if (hooked) return;
  hooked = true;
  process.on("exit", removeAllSync);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

export function untrack(containerId: string): void {
  owned.delete(containerId);
}
