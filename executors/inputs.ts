/**
 * A run's input files: the user's data copied into `/workspace/inputs/` (the kernel's working
 * directory's `inputs/` folder), read-only to the model's code. Names come from file names, library
 * callers and LangGraph server callers, so they are hostile until checked here: a relative POSIX path
 * of plain segments, nothing that could climb out of the inputs folder or confuse a file system.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { z } from "zod";
import { CodeActError, type ErrorCode } from "../errors";

export interface InputFile {
  /** Relative path under /workspace/inputs/, e.g. "data.csv" or "reports/2024/q1.txt". */
  name: string;
  data: Buffer;
}

/** Where inputs land, relative to the kernel's working directory. */
export const INPUTS_DIR = "inputs";
/** The same folder as the Docker sandbox's model sees it. */
export const SANDBOX_INPUTS_DIR = "/workspace/inputs";

const MAX_NAME_CHARS = 1024;
const MAX_SEGMENT_BYTES = 255;
/** Control characters (NUL included), backslashes and colons: trouble on some file system or terminal. */
const BAD_CHARS = /[\u0000-\u001f\u007f\\:]/;

/** Why `name` cannot be an input file name, or undefined when it can. */
export function inputNameProblem(name: string): string | undefined {
  if (!name) return "it is empty";
  if (name.length > MAX_NAME_CHARS) return `it is longer than ${MAX_NAME_CHARS} characters`;
  if (BAD_CHARS.test(name)) return "it contains a control character (NUL included), a backslash or a colon";
  if (name.startsWith("/")) return "it is an absolute path; give a path relative to the inputs folder";
  const segments = name.split("/");
  for (const s of segments) {
    if (s === "") return "it has an empty path segment (a doubled or trailing slash)";
    if (s === "." || s === "..") return `it has a "${s}" segment; names must stay inside the inputs folder`;
    // File systems count bytes, not characters: 255 of them per name.
    if (Buffer.byteLength(s, "utf8") > MAX_SEGMENT_BYTES) return `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  return undefined;
}

const shown = (name: string) => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);

export const InputNameSchema = z.string().superRefine((name, ctx) => {
  const problem = inputNameProblem(name);
  if (problem) ctx.addIssue({ code: "custom", message: `Input file name ${shown(name)} is refused: ${problem}.` });
});

export interface InputLimits {
  /** Largest single input file, in bytes. */
  maxFileBytes: number;
  /** All input files of a run together, in bytes. */
  maxTotalBytes: number;
  /** At most this many files (a directory input expands to its files). */
  maxFiles: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = { maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, maxFiles: 10_000 };

export const INPUT_LIMIT_ENV = { file: "CODEACT_INPUT_MAX_MB", total: "CODEACT_INPUTS_MAX_MB" } as const;

export class InputError extends CodeActError {
  constructor(message: string, code: ErrorCode = "usage") {
    super(code, message);
    this.name = "InputError";
  }
}

/** A size as people read it: bytes, KB or MB. */
export const humanSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`);
const mb = humanSize;

/** Input limits from the environment (CODEACT_INPUT_MAX_MB per file, CODEACT_INPUTS_MAX_MB in all). */
export function inputLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): InputLimits {
  const read = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n > 0 ? Math.floor(n * 1024 * 1024) : fallback;
  };
  return {
    ...DEFAULT_INPUT_LIMITS,
    maxFileBytes: read(env[INPUT_LIMIT_ENV.file], DEFAULT_INPUT_LIMITS.maxFileBytes),
    maxTotalBytes: read(env[INPUT_LIMIT_ENV.total], DEFAULT_INPUT_LIMITS.maxTotalBytes),
  };
}

/** Throws an InputError naming the file, the limit and the variable that raises it. */
export function checkInputSizes(files: { name: string; size: number }[], limits: InputLimits = inputLimitsFromEnv()): void {
  if (files.length > limits.maxFiles) throw new InputError(`${files.length} input files are more than the limit of ${limits.maxFiles}; give fewer files (or a zip of them).`, "limit");
  let total = 0;
  for (const f of files) {
    if (f.size > limits.maxFileBytes) {
      throw new InputError(`Input file ${shown(f.name)} is ${mb(f.size)}, over the limit of ${mb(limits.maxFileBytes)} per file. Raise it with ${INPUT_LIMIT_ENV.file}=<megabytes>.`, "limit");
    }
    total += f.size;
    if (total > limits.maxTotalBytes) {
      throw new InputError(`The input files reach ${mb(total)} at ${shown(f.name)}, over the limit of ${mb(limits.maxTotalBytes)} for all inputs of a run. Raise it with ${INPUT_LIMIT_ENV.total}=<megabytes>.`, "limit");
    }
  }
}

/** Checks names (each valid, no duplicates, no file that is also a folder) and sizes. */
export function checkInputFiles(files: { name: string; size: number }[], limits?: InputLimits): void {
  const names = new Set<string>();
  for (const f of files) {
    const problem = inputNameProblem(f.name);
    if (problem) throw new InputError(`Input file name ${shown(f.name)} is refused: ${problem}.`);
    if (names.has(f.name)) throw new InputError(`Two input files are named ${shown(f.name)}; give each its own name.`);
    names.add(f.name);
  }
  for (const f of files) {
    const parts = f.name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join("/");
      if (names.has(folder)) throw new InputError(`Input ${shown(folder)} is a file, but ${shown(f.name)} needs it to be a folder; rename one of them.`);
    }
  }
  checkInputSizes(files, limits);
}

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
  return found.map((f) => ({ name: f.name, data: readFileSync(f.path) }));
}

/** Merges `files` into `current` by name (a later file of the same name replaces the earlier one). */
export function mergeInputs<T extends { name: string }>(current: T[], files: T[]): T[] {
  const byName = new Map(current.map((f) => [f.name, f]));
  for (const f of files) byName.set(f.name, f);
  return [...byName.values()];
}

/**
 * Writes `files` under `root` (created when missing), files 0444. With `lockDirs` the folders end
 * 0555, so the owner's ordinary writes fail too; `unlockInputsTree` opens them again for the next
 * write or the removal. Names must have passed `checkInputFiles`; the path check is a second guard.
 */
export function writeInputsTree(root: string, files: InputFile[], lockDirs: boolean): void {
  const top = resolve(root);
  if (lockDirs) unlockInputsTree(top);
  mkdirSync(top, { recursive: true, mode: 0o755 });
  for (const f of files) {
    const problem = inputNameProblem(f.name);
    if (problem) throw new InputError(`Input file name ${shown(f.name)} is refused: ${problem}.`);
    const target = resolve(top, f.name);
    if (!target.startsWith(top + sep)) throw new InputError(`Input file name ${shown(f.name)} is refused: it leaves the inputs folder.`);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    rmSync(target, { force: true, recursive: true });
    writeFileSync(target, f.data, { mode: 0o444 });
    chmodSync(target, 0o444);
  }
  if (lockDirs) setDirModes(top, 0o555);
}

function setDirModes(dir: string, mode: number): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  chmodSync(dir, mode);
  for (const entry of readdirSync(dir)) setDirModes(join(dir, entry), mode);
}

/** Makes a locked inputs tree writable to its owner again (before more inputs, or its removal). */
export function unlockInputsTree(root: string): void {
  setDirModes(resolve(root), 0o755);
}
