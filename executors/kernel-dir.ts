/**
 * Per-kernel host directories (`<tmp>/ca-XXXXXX`): where a kernel's connection file and IPC sockets
 * live. Each carries an owner marker (host + pid), so the directories of a process that died without
 * cleaning up (kill -9) are found and removed by the next codeact process on this host.
 */
import { chmodSync, lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { z } from "zod";
import { pidAlive } from "./pid";

const PREFIX = "ca-";
const MARKER = "owner.json";
const OwnerSchema = z.object({ host: z.string(), pid: z.number().int() });

/** A fresh 0700 directory owned by this process, marked with its owner. */
export function makeKernelDir(): string {
  // Short path: unix socket paths are limited to ~107 bytes.
  const dir = mkdtempSync(join(tmpdir(), PREFIX));
  writeFileSync(join(dir, MARKER), JSON.stringify({ host: hostname(), pid: process.pid }), { mode: 0o600 });
  return dir;
}

/**
 * Whether `path` is exactly a kernel directory this module makes: the only paths the reaper will
 * delete, whatever a container label (which anyone with Docker access can set) claims.
 */
export function isKernelDir(path: string): boolean {
  return resolve(path) === path && dirname(path) === tmpdir() && /^ca-[A-Za-z0-9]{6}$/.test(basename(path));
}

/** Removes a kernel directory, including subdirectories that were made read-only after start. */
export function removeKernelDir(dir: string): void {
  if (!isKernelDir(dir)) return;
  const unlock = (path: string): void => {
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (!st.isDirectory()) return;
    try {
      chmodSync(path, 0o700);
    } catch {
      /* not ours: rm will say so by failing quietly */
    }
    for (const entry of readdirSync(path)) unlock(join(path, entry));
  };
  try {
    unlock(dir);
  } catch {
    /* already gone */
  }
  rmSync(dir, { recursive: true, force: true });
}

function ownerOf(dir: string): z.infer<typeof OwnerSchema> | undefined {
  try {
    return OwnerSchema.parse(JSON.parse(readFileSync(join(dir, MARKER), "utf8")));
  } catch {
    return undefined;
  }
}

/** Removes kernel directories whose owner process on this host is gone. Returns their paths. */
export function reapStaleKernelDirs(): string[] {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = readdirSync(tmpdir()).filter((e) => e.startsWith(PREFIX));
  } catch {
    return removed;
  }
  for (const entry of entries) {
    const dir = join(tmpdir(), entry);
    if (!isKernelDir(dir)) continue;
    const owner = ownerOf(dir);
    // No marker: not ours to judge (another tool's dir, or one being created right now).
    if (!owner || owner.host !== hostname() || owner.pid === process.pid || pidAlive(owner.pid)) continue;
    removeKernelDir(dir);
    removed.push(dir);
  }
  return removed;
}
