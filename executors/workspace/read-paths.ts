/**
 * Inputs from the user's side: paths on this host (`--input`, a library caller's paths) read into
 * files, and bytes given under a name. Everything is checked before a byte is stored or put anywhere.
 */
import { closeSync, lstatSync, openSync, readdirSync, readSync, statSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { checkInputBytes, checkInputFiles, type InputFile, InputError } from "./inputs";
import { humanSize, INPUT_LIMIT_ENV, type InputLimits, inputLimitsFromEnv } from "./limits";
import { quotedName } from "./names";

/** A library caller's input: a path (file or folder), or bytes under a name. */
export type InputSource = string | { name: string; data: Uint8Array | string };

/**
 * Files from the user's paths: a file keeps its own name; a directory keeps its name and the
 * relative structure below it (`./reports/` gives `reports/…`). Symbolic links inside a directory are
 * skipped (they could lead anywhere, or in a circle); a path given directly may be one.
 */
export function readInputPaths(paths: string[], limits: InputLimits = inputLimitsFromEnv()): InputFile[] {
  const found: { name: string; path: string; size: number }[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, entry.name);
      const name = `${prefix}/${entry.name}`;
      if (entry.isDirectory()) walk(path, name);
      else if (entry.isFile()) found.push({ name, path, size: lstatSync(path).size });
    }
  };
  for (const given of paths) {
    const path = resolve(given);
    let st;
    try {
      st = statSync(path);
    } catch (err) {
      throw new InputError(`Input ${JSON.stringify(given)} cannot be read: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : (err as Error).message}.`, "not_found");
    }
    const name = basename(path);
    if (st.isDirectory()) walk(path, name);
    else if (st.isFile()) found.push({ name, path, size: st.size });
    else throw new InputError(`Input ${JSON.stringify(given)} is neither a file nor a folder.`);
  }
  // Sizes first, from stat: a huge file is refused before a byte of it is read.
  checkInputFiles(found, limits);
  // Then read with a cap all the same: stat can say less than there is (0 for /proc files, a file
  // still growing), and an unbounded read would hold all of it in memory.
  let room = limits.maxTotalBytes;
  return found.map((f) => {
    const data = readCapped(f.path, Math.min(limits.maxFileBytes, room));
    if (!data && room >= limits.maxFileBytes) throw new InputError(`Input file ${quotedName(f.name)} is over the limit of ${humanSize(limits.maxFileBytes)} per file (its size shows only when read). Raise it with ${INPUT_LIMIT_ENV.file}=<megabytes>.`, "limit");
    if (!data) throw new InputError(`The input files are over the limit of ${humanSize(limits.maxTotalBytes)} for all inputs of a run at ${quotedName(f.name)}. Raise it with ${INPUT_LIMIT_ENV.total}=<megabytes>.`, "limit");
    room -= data.length;
    return { name: f.name, data };
  });
}

/** The file's bytes, or undefined once there are more than `max` (nothing past one chunk is read). */
function readCapped(path: string, max: number): Buffer | undefined {
  const fd = openSync(path, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      // Whole, aligned chunks: some /proc files refuse a read of an odd length.
      const chunk = Buffer.allocUnsafe(1024 * 1024);
      const n = readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) return Buffer.concat(chunks, total);
      chunks.push(chunk.subarray(0, n));
      total += n;
      if (total > max) return undefined;
    }
  } finally {
    closeSync(fd);
  }
}

/** Reads paths and takes bytes as given; checks names and sizes of all of them together. */
export function collectInputs(sources: InputSource[]): InputFile[] {
  const paths = sources.filter((s): s is string => typeof s === "string");
  const files: InputFile[] = readInputPaths(paths);
  for (const s of sources) {
    if (typeof s === "string") continue;
    files.push({ name: s.name, data: typeof s.data === "string" ? Buffer.from(s.data, "utf8") : Buffer.from(s.data) });
  }
  checkInputBytes(files);
  return files;
}
