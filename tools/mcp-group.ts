/**
 * A stdio MCP server runs as the leader of its own process group (through util-linux `setsid`,
 * where there is one), so that closing it also stops what it started, children that left it by
 * forking twice included. Elsewhere the server runs as given and only the server itself is stopped.
 */
import { accessSync, constants, existsSync, readFileSync, statSync } from "node:fs";
import { delimiter, isAbsolute, join, resolve } from "node:path";

const SETSID = process.platform === "linux" ? ["/usr/bin/setsid", "/bin/setsid"].find((p) => existsSync(p)) : undefined;

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Where `command` is found, as a spawn would find it; undefined when nowhere. */
function locate(command: string, path: string | undefined, cwd: string | undefined): string | undefined {
  if (command.includes("/")) {
    const abs = isAbsolute(command) ? command : resolve(cwd ?? process.cwd(), command);
    return executable(abs) ? abs : undefined;
  }
  return (path ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, command)).find(executable);
}

/**
 * The command and arguments that start the server in a group of its own. A command that cannot be
 * found fails as spawn fails (ENOENT), so the message stays "no such command" rather than setsid's.
 */
export function ownGroup(command: string, args: string[] | undefined, env: Record<string, string>, cwd?: string): { command: string; args: string[] } {
  if (!SETSID) return { command, args: args ?? [] };
  const found = locate(command, env.PATH, cwd);
  if (!found) throw Object.assign(new Error(`spawn ${command} ENOENT`), { code: "ENOENT" });
  return { command: SETSID, args: [found, ...(args ?? [])] };
}

/** True when `pid` leads its own process group (read from /proc; false wherever that cannot be read). */
export function leadsGroup(pid: number | null | undefined): boolean {
  if (!pid) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so count from the last ")".
    return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[2]) === pid;
  } catch {
    return false;
  }
}

/** Stops every process left in the group `pid` led (never this process's own group: callers check `leadsGroup` first). */
export function killGroup(pid: number): void {
  try {
    process.kill(-pid, "SIGKILL");
  } catch {
    // ESRCH: nothing was left.
  }
}
