/**
 * `codeact files <thread> [--get NAME [-o FILE|-]] [--out DIR]`: the files a run left under /workspace/outputs/,
 * kept in the thread's artifact store. Names come from the sandbox and are hostile: a file is only
 * ever written inside --out, under its checked relative name, never through a symlink.
 */
import { closeSync, constants, lstatSync, mkdirSync, openSync, readlinkSync, realpathSync, writeFileSync, writeSync } from "node:fs";
import { join, resolve, sep } from "node:path";
import type { Command } from "commander";
import { CodeActError } from "../errors";
import type { Cell } from "../graphs/state/cell";
import { humanSize } from "../executors/workspace/limits";
import { safeSegments } from "../executors/workspace/names";
import { OUTPUTS_DIR } from "../executors/workspace/outputs";
import { inert } from "../exports/inert";
import { table } from "./table";
import { checkpointerFromFlags, type StoreFlags } from "./store-flags";
import { UsageError } from "./flags";
import { checkOutFile } from "./out-file";

export interface ThreadFile {
  /** Relative to /workspace, e.g. "outputs/report.csv". */
  path: string;
  sha256: string;
  size: number;
  /** The cell that wrote this version: its index in the thread (1-based), plan step and attempt; null: named by the answer. */
  cell: number | null;
  step: number;
  attempt: number;
  /** How many distinct versions of this path the thread recorded. */
  versions: number;
}

/** The latest version of each file the thread's cells (then its answer) collected, in path order. */
export function threadFiles(cells: Cell[], answerFiles: Cell["files"] = []): ThreadFile[] {
  const latest = new Map<string, ThreadFile>();
  const add = (f: NonNullable<Cell["files"]>[number], cell: number | null, step: number, attempt: number) => {
    const versions = (latest.get(f.path)?.versions ?? 0) + 1;
    latest.set(f.path, { path: f.path, sha256: f.sha256, size: f.size, cell, step, attempt, versions });
  };
  cells.forEach((cell, i) => {
    for (const f of cell.files ?? []) add(f, i + 1, cell.step, cell.attempt);
  });
  for (const f of answerFiles ?? []) add(f, null, cells.at(-1)?.step ?? 0, 0);
  return [...latest.values()].sort((a, b) => a.path.localeCompare(b.path));
}

/** The name a user types: the path under outputs/ ("report.csv"), or under /workspace for other files. */
export function displayName(path: string): string {
  return path.startsWith(`${OUTPUTS_DIR}/`) ? path.slice(OUTPUTS_DIR.length + 1) : path;
}

/** Finds NAME as its display name, its /workspace path, or (when unambiguous) its base name. */
export function findFile(files: ThreadFile[], name: string): ThreadFile {
  const wanted = name.replace(/^\/workspace\//, "");
  const exact = files.find((f) => f.path === wanted || displayName(f.path) === wanted);
  if (exact) return exact;
  const byBase = files.filter((f) => f.path.split("/").at(-1) === wanted);
  if (byBase.length === 1) return byBase[0]!;
  const names = files.map((f) => displayName(f.path)).join(", ") || "(none)";
  throw new CodeActError("not_found", `${byBase.length ? `"${inert(name)}" names ${byBase.length} files` : `No file "${inert(name)}" in this thread`}; its files: ${inert(names)}. \`codeact files <thread>\` lists them.`);
}

/**
 * The output folder, created if missing, as an absolute path: refused when it is a symlink (a
 * planted `./<thread>-files` would send names chosen by sandboxed code wherever it points) or not
 * the user's own (someone else could have made it, or can swap what is inside).
 */
export function ownFolder(dir: string): string {
  const root = resolve(dir);
  const stat = () => {
    try {
      return lstatSync(root);
    } catch {
      return undefined;
    }
  };
  let st = stat();
  if (!st) {
    mkdirSync(root, { recursive: true });
    st = stat()!;
  }
  const refuse = (why: string, hint: string) => new CodeActError("usage", `Refusing to write files into ${inert(root)}: ${why}.`, { hint });
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = realpathSync(root);
    } catch {
      target = readlinkSync(root);
    }
    throw refuse(`it is a symlink to ${inert(target)}, and files named by the sandbox are never written through one`, `Give the folder itself (--out ${inert(target)}) if that is where they belong, or another folder.`);
  }
  if (!st.isDirectory()) throw refuse("it is not a folder", "Give a folder (--out DIR); it is created when missing.");
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) throw refuse(`it belongs to another user (uid ${st.uid}; you are uid ${uid})`, "Give a folder of your own (--out DIR); it is created when missing.");
  return root;
}

/**
 * Writes `data` at `dir`/`relative` and returns the path. Every folder on the way is created or
 * must already be a real folder (a symlink planted in --out is refused), and the file is opened
 * with O_NOFOLLOW: nothing is written outside `dir`, whatever the name or the folder holds.
 */
export function writeInside(dir: string, relative: string, data: Uint8Array): string {
  const segments = safeSegments(relative);
  if (!segments) throw new UsageError(`Refusing the file name "${inert(relative)}": not a plain relative path.`);
  const root = ownFolder(dir);
  let at = root;
  for (const segment of segments.slice(0, -1)) {
    at = join(at, segment);
    let st;
    try {
      st = lstatSync(at);
    } catch {
      mkdirSync(at);
      continue;
    }
    if (!st.isDirectory()) throw new UsageError(`Refusing to write ${inert(relative)}: ${inert(at)} is not a folder (a symlink is never followed).`);
  }
  const target = join(at, segments.at(-1)!);
  if (!target.startsWith(root + sep)) throw new UsageError(`Refusing the file name "${inert(relative)}": it leaves ${inert(root)}.`);
  let fd: number;
  try {
    fd = openSync(target, constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW, 0o644);
  } catch (err) {
    throw new UsageError(`Cannot write ${inert(target)}: ${(err as NodeJS.ErrnoException).code === "ELOOP" ? "it is a symlink, which is never followed" : (err as Error).message}`);
  }
  try {
    for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
  } finally {
    closeSync(fd);
  }
  return target;
}

interface FilesFlags extends StoreFlags {
  get?: string;
  out?: string;
  /** With --get: the file to write ("-": standard output). */
  output?: string;
  json?: boolean;
}

export async function filesCommand(thread: string, flags: FilesFlags): Promise<void> {
  const { checkThreadId } = require("../checkpoints/thread-id") as typeof import("../checkpoints/thread-id");
  checkThreadId(thread);
  if (flags.output !== undefined && flags.get === undefined) throw new UsageError("-o/--output goes with --get NAME (one file); --out DIR fetches them all.");
  if (flags.output !== undefined && flags.out !== undefined) throw new UsageError("Give either -o FILE (or -o - for standard output) or --out DIR, not both.");
  // A file that cannot be written is said before any store is opened.
  if (flags.output !== undefined && flags.output !== "-") checkOutFile(flags.output);
  const { createCheckpointer } = require("../checkpoints/savers") as typeof import("../checkpoints/savers");
  const { readThreadState } = require("../graphs/threads") as typeof import("../graphs/threads");
  const store = await createCheckpointer({ ...checkpointerFromFlags(flags), readOnly: true });
  try {
    const state = await readThreadState(store.saver, thread);
    const files = threadFiles(state.cells, state.answerFiles);
    if (flags.get === undefined && flags.out === undefined) {
      if (flags.json) return console.log(JSON.stringify(files.map((f) => ({ ...f, name: displayName(f.path) }))));
      if (!files.length) return console.log(`Thread ${thread} has no files. Files the agent writes under /workspace/${OUTPUTS_DIR}/ are kept after each cell.`);
      console.log(table(files.map((f) => ({ name: inert(displayName(f.path)), size: humanSize(f.size), cell: f.cell === null ? "named in the answer" : `#${f.cell} (step ${f.step + 1}${f.attempt ? `, retry ${f.attempt}` : ""})`, versions: f.versions, sha256: f.sha256.slice(0, 12) }))));
      return console.error(`Fetch them with: codeact files ${thread} --out DIR  (or --get NAME for one; -o - prints it)`);
    }
    if (flags.output !== undefined && flags.get !== undefined) {
      const f = findFile(files, flags.get);
      const data = await store.artifacts.get(thread, f.sha256);
      if (!data) throw new CodeActError("not_found", `The bytes of ${inert(displayName(f.path))} (artifact ${f.sha256.slice(0, 12)}) are not in this store; was the thread deleted?`);
      if (flags.output !== "-") {
        writeFileSync(flags.output, data);
        return console.log(flags.json ? JSON.stringify([resolve(flags.output)]) : inert(resolve(flags.output)));
      }
      return writeToStdout(displayName(f.path), data);
    }
    const chosen = flags.get !== undefined ? [findFile(files, flags.get)] : files;
    if (!chosen.length) return console.error(`Thread ${thread} has no files to fetch.`);
    const out = flags.out ?? `${thread}-files`;
    const written: string[] = [];
    for (const f of chosen) {
      const data = await store.artifacts.get(thread, f.sha256);
      if (!data) throw new CodeActError("not_found", `The bytes of ${inert(displayName(f.path))} (artifact ${f.sha256.slice(0, 12)}) are not in this store; was the thread deleted?`);
      written.push(writeInside(out, displayName(f.path), data));
    }
    if (flags.json) return console.log(JSON.stringify(written));
    for (const path of written) console.log(inert(path));
  } finally {
    await store.close();
  }
}

/** Bytes a terminal would show as garbage or obey: a NUL, or anything that is not UTF-8 text. */
export function isBinary(data: Uint8Array): boolean {
  if (data.includes(0)) return true;
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(data);
    return false;
  } catch {
    return true;
  }
}

/**
 * `--get NAME -o -`: the bytes as they are to a pipe or a file. To a terminal, text is shown inert
 * (escape sequences in a file the agent wrote must not act on it) and binary bytes are refused.
 */
function writeToStdout(name: string, data: Uint8Array): Promise<void> {
  if (process.stdout.isTTY) {
    if (isBinary(data)) throw new UsageError(`${inert(name)} is binary (${humanSize(data.length)}); not writing it to a terminal. Redirect it (-o - > FILE, or | another command), or give -o FILE.`);
    data = Buffer.from(inert(Buffer.from(data).toString("utf8")));
  }
  return new Promise((done, fail) => process.stdout.write(data, (err) => (err ? fail(err) : done())));
}

export function registerFiles(program: Command): void {
  program
    .command("files")
    .argument("<thread>", "thread id")
    .description("the files a run wrote under /workspace/outputs/: list them, or fetch them")
    .option("--get <name>", "fetch one file (its name as listed)")
    .option("--out <dir>", "folder to write into (default ./<thread>-files); without --get: every file")
    .option("-o, --output <file>", "with --get: write the file here; - writes its bytes to standard output")
    .option("--checkpoints <file>", "SQLite checkpoint file")
    .option("--postgres <url>", "Postgres checkpoint store")
    .option("--json", "machine-readable output")
    .action((thread: string, flags: FilesFlags) => filesCommand(thread, flags));
}
