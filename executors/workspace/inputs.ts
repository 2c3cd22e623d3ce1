/**
 * A run's input files: the user's data copied into `/workspace/inputs/` (the kernel's working
 * directory's `inputs/` folder), read-only to the model's code. Every set of inputs is checked here
 * before an executor or the graph state holds it: names by the one name rule, no duplicates, no file
 * that is also a folder, sizes within the limits.
 */
import { humanSize, type InputLimits, INPUT_LIMIT_ENV, inputLimitsFromEnv } from "./limits";
import { fileNameProblem, quotedName } from "./names";
import { CodeActError, type CodeActErrorOptions, type ErrorCode } from "../../errors";

export interface InputFile {
  /** Relative path under /workspace/inputs/, e.g. "data.csv" or "reports/2024/q1.txt". */
  name: string;
  data: Buffer;
}

/** Where inputs land, relative to the kernel's working directory. */
export const INPUTS_DIR = "inputs";
/** The same folder as the Docker sandbox's model sees it. */
export const SANDBOX_INPUTS_DIR = "/workspace/inputs";

export class InputError extends CodeActError {
  constructor(message: string, code: ErrorCode = "usage", options?: CodeActErrorOptions) {
    super(code, message, options);
    this.name = "InputError";
  }
}

/** Throws an InputError when `name` breaks the name rule. */
export function checkInputName(name: string): void {
  const problem = fileNameProblem(name, "input");
  if (problem) throw new InputError(`Input file name ${quotedName(name)} is refused: ${problem}.`);
}

/** Throws an InputError naming the file, the limit and the variable that raises it. */
export function checkInputSizes(files: { name: string; size: number }[], limits: InputLimits = inputLimitsFromEnv()): void {
  if (files.length > limits.maxFiles) throw new InputError(`${files.length} input files are more than the limit of ${limits.maxFiles}; give fewer files (or a zip of them).`, "limit");
  let total = 0;
  for (const f of files) {
    if (f.size > limits.maxFileBytes) {
      throw new InputError(`Input file ${quotedName(f.name)} is ${humanSize(f.size)}, over the limit of ${humanSize(limits.maxFileBytes)} per file. Raise it with ${INPUT_LIMIT_ENV.file}=<megabytes>.`, "limit");
    }
    total += f.size;
    if (total > limits.maxTotalBytes) {
      throw new InputError(
        `The input files reach ${humanSize(total)} at ${quotedName(f.name)}, over the limit of ${humanSize(limits.maxTotalBytes)} for all inputs of a run. Raise it with ${INPUT_LIMIT_ENV.total}=<megabytes>.`,
        "limit",
      );
    }
  }
}

/** Checks names (each valid, no duplicates, no file that is also a folder) and sizes. */
export function checkInputFiles(files: { name: string; size: number }[], limits?: InputLimits): void {
  const names = new Set<string>();
  for (const f of files) {
    checkInputName(f.name);
    if (names.has(f.name)) throw new InputError(`Two input files are named ${quotedName(f.name)}; give each its own name.`);
    names.add(f.name);
  }
  for (const f of files) {
    const parts = f.name.split("/");
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join("/");
      if (names.has(folder)) throw new InputError(`Input ${quotedName(folder)} is a file, but ${quotedName(f.name)} needs it to be a folder; rename one of them.`);
    }
  }
  checkInputSizes(files, limits);
}

/** `checkInputFiles` over files with their bytes, against the limits of the environment. */
export function checkInputBytes(files: InputFile[]): void {
  checkInputFiles(files.map((f) => ({ name: f.name, size: f.data.length })));
}

/** Merges `files` into `current` by name (a later file of the same name replaces the earlier one). */
export function mergeInputs<T extends { name: string }>(current: T[], files: T[]): T[] {
  const byName = new Map(current.map((f) => [f.name, f]));
  for (const f of files) byName.set(f.name, f);
  return [...byName.values()];
}

/** What an executor holds once `files` are put beside `current`, checked as one set (putInputs). */
export function addInputs(current: InputFile[], files: InputFile[]): InputFile[] {
  const merged = mergeInputs(current, files);
  checkInputBytes(merged);
  return merged;
}
