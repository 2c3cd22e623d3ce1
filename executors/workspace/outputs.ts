/**
 * Files out: the regular files under the kernel's `outputs/` folder (`/workspace/outputs/` in the
 * sandbox), listed and read on this host when the kernel's folder is here (the local kernel).
 * Everything found there is hostile: names may hold "..", control characters or invalid Unicode,
 * and entries may be symlinks to anywhere. Symlinks are never listed and never followed; names that
 * break the name rule (names.ts) are not listed either.
 */
import { constants, lstatSync, promises as fs, readdirSync } from "node:fs";
import { join } from "node:path";
import { MAX_LISTED } from "./limits";
import { safeSegments } from "./names";
import { CodeActError, type ErrorCode } from "../../errors";

/** The folder under the kernel's working directory whose files are collected after each cell. */
export const OUTPUTS_DIR = "outputs";

export interface OutputFileInfo {
  /** Relative to the outputs folder, "/"-separated, e.g. "report.csv" or "plots/fig1.png". */
  path: string;
  size: number;
  mtimeMs: number;
}

export class OutputReadError extends CodeActError {
  constructor(message: string, code: ErrorCode = "not_found") {
    super(code, message);
    this.name = "OutputReadError";
  }
}

/** A file past the caller's byte limit: never read whole. */
export class OutputTooLargeError extends OutputReadError {
  constructor(
    readonly path: string,
    readonly size: number,
    readonly maxBytes: number,
  ) {
    super(`outputs/${path} is larger than ${maxBytes} bytes`, "limit");
    this.name = "OutputTooLargeError";
  }
}

/**
 * Regular files under `root` on this host (the local kernel), never through a symlink. Synchronous
 * on purpose: a hundred lstat calls take ~0.1 ms inline, but milliseconds through libuv's thread
 * pool on a busy machine, after every cell.
 */
export async function listLocalOutputs(root: string): Promise<OutputFileInfo[]> {
  const files: OutputFileInfo[] = [];
  try {
    if (!lstatSync(root).isDirectory()) return files;
  } catch {
    return files;
  }
  const stack = [""];
  while (stack.length && files.length < MAX_LISTED) {
    const rel = stack.pop()!;
    let names: string[];
    try {
      names = readdirSync(rel ? join(root, rel) : root);
    } catch {
      continue;
    }
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      let st;
      try {
        st = lstatSync(join(root, r));
      } catch {
        continue;
      }
      if (st.isDirectory()) stack.push(r);
      else if (st.isFile() && safeSegments(r) && files.length < MAX_LISTED) files.push({ path: r, size: st.size, mtimeMs: st.mtimeMs });
    }
  }
  return files;
}

/**
 * Reads `root/path` on this host: every folder on the way must be a real folder (lstat), and the
 * file is opened with O_NOFOLLOW, so a symlink anywhere on the path is refused, not followed.
 */
export async function readLocalOutput(root: string, path: string, maxBytes: number): Promise<Buffer> {
  const segments = safeSegments(path);
  if (!segments) throw new OutputReadError(`"${path}" is not a plain relative path under outputs/`, "usage");
  let dir = root;
  for (const segment of ["", ...segments.slice(0, -1)]) {
    dir = segment ? join(dir, segment) : dir;
    const st = await fs.lstat(dir).catch(() => undefined);
    if (!st?.isDirectory()) throw new OutputReadError(`outputs/${path}: ${segment || "outputs"} is not a folder (a symlink is not followed)`);
  }
  let handle;
  try {
    handle = await fs.open(join(dir, segments.at(-1)!), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw new OutputReadError(`outputs/${path} cannot be read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new OutputReadError(`outputs/${path} is not a regular file`);
    if (st.size > maxBytes) throw new OutputTooLargeError(path, st.size, maxBytes);
    // Read at most one byte past the limit: a file still growing is caught, never read without end.
    const buf = Buffer.alloc(Math.min(st.size, maxBytes) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (!bytesRead) break;
      got += bytesRead;
      if (got === buf.length) break;
    }
    if (got > maxBytes) throw new OutputTooLargeError(path, got, maxBytes);
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}
