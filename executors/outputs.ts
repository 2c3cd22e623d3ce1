/**
 * Files out: what every executor needs to list and read the regular files under the kernel's
 * `outputs/` folder (`/workspace/outputs/` in the sandbox). Everything found there is hostile: names
 * may hold "..", control characters or invalid Unicode, and entries may be symlinks to anywhere.
 * Symlinks are never listed and never followed; names that could not be written back safely on the
 * user's side are not listed either.
 */
import { constants, lstatSync, promises as fs, readdirSync } from "node:fs";
import { join } from "node:path";
import { CodeActError, type ErrorCode } from "../errors";

/** The folder under the kernel's working directory whose files are collected after each cell. */
export const OUTPUTS_DIR = "outputs";
/** More entries than this are not listed (a cell that writes 100 000 files must not stall the run). */
export const MAX_LISTED = 1000;

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

// C0, DEL, C1 controls, and the bidi/format characters that make a name read differently than it is.
const UNSAFE_CHARS = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff\\:*?"<>|]/;
// A name that was not valid UTF-8 reaches us with lone surrogates: it has no faithful spelling.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * The path's segments when it is a plain relative path that can be written under any directory
 * (no "..", no absolute path, no control or bidi characters, no backslash or Windows-reserved
 * characters, well-formed Unicode); undefined otherwise.
 */
export function safeSegments(path: string): string[] | undefined {
  if (typeof path !== "string" || !path || path.length > 1024 || LONE_SURROGATE.test(path) || UNSAFE_CHARS.test(path)) return undefined;
  const segments = path.split("/");
  if (segments.some((s) => !s || s === "." || s === ".." || s.length > 255 || s.trim() !== s)) return undefined;
  return segments;
}

/**
 * Python source of `listing(root, limit)`: the regular files under root, found without following
 * symlinks (a symlinked folder is not entered, a symlinked file not listed), as base64(JSON).
 */
const LISTING_SOURCE = `
import os, stat, json, base64
def _walk(root, limit):
    out = []
    try:
        if not stat.S_ISDIR(os.lstat(root).st_mode):
            return out
    except OSError:
        return out
    stack = ['']
    while stack and len(out) < limit:
        rel = stack.pop()
        try:
            with os.scandir(os.path.join(root, rel) if rel else root) as it:
                entries = list(it)
        except OSError:
            continue
        for e in entries:
            r = rel + '/' + e.name if rel else e.name
            try:
                s = e.stat(follow_symlinks=False)
            except OSError:
                continue
            if stat.S_ISDIR(s.st_mode):
                stack.append(r)
            elif stat.S_ISREG(s.st_mode) and len(out) < limit:
                out.append([r, s.st_size, s.st_mtime_ns / 1e6])
    return out
def listing(root, limit):
    # A relative root is the kernel's first working folder (set by the prelude), not wherever a cell chdir'ed to.
    root = os.path.join(os.environ.get('CODEACT_WORKDIR') or os.getcwd(), root)
    return base64.b64encode(json.dumps(_walk(root, limit)).encode()).decode()
`;

/**
 * One Python expression (a user expression, evaluated after a cell or on its own) whose repr is the
 * listing. The helper is compiled once per kernel into a module of its own (sys.modules), never into
 * the user's namespace: listing after every cell then costs the walk, not a compile.
 */
export function listingExpression(root: string): string {
  const make = `(lambda m: (exec(${JSON.stringify(LISTING_SOURCE)}, m.__dict__), s.modules.__setitem__('_codeact_outputs', m), m)[2])(__import__('types').ModuleType('_codeact_outputs'))`;
  return `(lambda s: (s.modules.get('_codeact_outputs') or ${make}).listing(${JSON.stringify(root)}, ${MAX_LISTED}))(__import__('sys'))`;
}

/** The listing from the expression's text/plain repr ('base64…'); hostile, so checked entry by entry. */
export function parseListing(repr: string): OutputFileInfo[] {
  const m = /^'([A-Za-z0-9+/=]*)'$/.exec(repr.trim());
  if (!m) throw new OutputReadError(`the kernel answered the outputs listing with something unexpected: ${repr.slice(0, 80)}`, "sandbox");
  const rows: unknown = JSON.parse(Buffer.from(m[1]!, "base64").toString("utf8"));
  if (!Array.isArray(rows)) throw new OutputReadError("the kernel's outputs listing is not a list", "sandbox");
  const files: OutputFileInfo[] = [];
  for (const row of rows.slice(0, MAX_LISTED)) {
    if (!Array.isArray(row)) continue;
    const [path, size, mtimeMs] = row as unknown[];
    if (typeof path !== "string" || !safeSegments(path)) continue;
    if (!Number.isSafeInteger(size) || (size as number) < 0 || typeof mtimeMs !== "number" || !Number.isFinite(mtimeMs)) continue;
    files.push({ path, size: size as number, mtimeMs });
  }
  return files;
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

/**
 * Python source that reads one chunk of ROOT/PARTS: every folder is opened relative to the one
 * before with O_NOFOLLOW (openat), so no symlink anywhere on the path is followed, and a race that
 * swaps a folder for a link fails instead of escaping. `result`: "L:<size>" when the file is past
 * MAX, else "D:<size>:<base64 of the chunk>".
 */
const READ_SOURCE = `
import os, stat, base64
def _read(root, parts, offset, length, limit):
    root = os.path.join(os.environ.get('CODEACT_WORKDIR') or os.getcwd(), root)
    fd = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        for p in parts[:-1]:
            nfd = os.open(p, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = nfd
        f = os.open(parts[-1], os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fd)
    finally:
        os.close(fd)
    try:
        st = os.fstat(f)
        if not stat.S_ISREG(st.st_mode):
            raise OSError('not a regular file')
        if st.st_size > limit:
            return 'L:%d' % st.st_size
        chunks, left = [], length
        os.lseek(f, offset, 0)
        while left > 0:
            b = os.read(f, left)
            if not b:
                break
            chunks.append(b)
            left -= len(b)
        return 'D:%d:%s' % (st.st_size, base64.b64encode(b''.join(chunks)).decode())
    finally:
        os.close(f)
result = _read(ROOT, PARTS, OFFSET, LENGTH, LIMIT)
`;

/** Bytes per read request: its base64 stays well inside one Jupyter message. */
export const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/** One Python expression reading `length` bytes at `offset` of outputs/`segments` (see READ_SOURCE). */
export function readExpression(root: string, segments: string[], offset: number, length: number, maxBytes: number): string {
  const source = READ_SOURCE.replace("ROOT", JSON.stringify(root))
    .replace("PARTS", JSON.stringify(segments))
    .replace("OFFSET", String(offset))
    .replace("LENGTH", String(length))
    .replace("LIMIT", String(maxBytes));
  return `(lambda g: (exec(${JSON.stringify(source)}, g), g['result'])[1])({})`;
}

/** A chunk answer: the file's current size, and the bytes (none when the file is past the limit). */
export function parseReadChunk(repr: string, path: string, maxBytes: number): { size: number; data: Buffer } {
  const m = /^'(?:L:(\d+)|D:(\d+):([A-Za-z0-9+/=]*))'$/.exec(repr.trim());
  if (!m) throw new OutputReadError(`outputs/${path}: the kernel answered the read with something unexpected`, "sandbox");
  if (m[1] !== undefined) throw new OutputTooLargeError(path, Number(m[1]), maxBytes);
  return { size: Number(m[2]), data: Buffer.from(m[3]!, "base64") };
}

/** Evaluates one Python expression in the kernel between cells: its repr, or undefined without a kernel. */
export type Evaluate = (expression: string) => Promise<string | undefined>;

/**
 * Reads `root`/`path` through the kernel, in chunks (READ_SOURCE's rules: no symlink followed):
 * the bytes never leave the sandbox's own view of its files, and it works wherever the kernel runs
 * (a tmpfs Docker's archive API cannot see, a gateway's pod whose disk no contents API shows).
 */
export async function readInKernel(evaluate: Evaluate, root: string | undefined, path: string, maxBytes: number): Promise<Buffer> {
  const segments = safeSegments(path);
  if (!segments) throw new OutputReadError(`"${path}" is not a plain relative path`, "usage");
  if (root === undefined) throw new OutputReadError(`${path}: this executor reads its files from the host`);
  const chunks: Buffer[] = [];
  let got = 0;
  for (;;) {
    let repr: string | undefined;
    try {
      repr = await evaluate(readExpression(root, segments, got, READ_CHUNK_BYTES, maxBytes));
    } catch (err) {
      throw new OutputReadError(`${path} cannot be read: ${(err as Error).message}`);
    }
    if (repr === undefined) throw new OutputReadError(`${path}: the kernel is not running`, "sandbox");
    const { size, data } = parseReadChunk(repr, path, maxBytes);
    chunks.push(data);
    got += data.length;
    if (got > maxBytes) throw new OutputTooLargeError(path, got, maxBytes);
    if (!data.length || got >= size) return Buffer.concat(chunks);
  }
}
