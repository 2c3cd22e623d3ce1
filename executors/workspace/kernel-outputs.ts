/**
 * Files out, listed and read by the kernel itself (list_outputs.py, read_output.py beside this
 * module): the bytes never leave the sandbox's own view of its files, and it works wherever the
 * kernel runs (a tmpfs Docker's archive API cannot see, a gateway's pod whose disk no contents API
 * shows). Whatever the kernel answers is hostile, so it is checked entry by entry.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_LISTED, READ_CHUNK_BYTES } from "./limits";
import { safeSegments } from "./names";
import { type OutputFileInfo, OutputReadError, OutputTooLargeError } from "./outputs";

const LISTING_SOURCE = readFileSync(join(__dirname, "list_outputs.py"), "utf8");
const READ_SOURCE = readFileSync(join(__dirname, "read_output.py"), "utf8");

/**
 * One Python expression (a user expression, evaluated after a cell or on its own) whose repr is the
 * listing. The helper is compiled once per kernel into a module of its own (sys.modules), never into
 * the user's namespace: listing after every cell then costs the walk, not a compile.
 */
export function listingExpression(root: string): string {
  const make = `(lambda m: (exec(${JSON.stringify(LISTING_SOURCE)}, m.__dict__), s.modules.__setitem__('_codeact_outputs', m), m)[2])(__import__('types').ModuleType('_codeact_outputs'))`;
  return `(lambda s: (s.modules.get('_codeact_outputs') or ${make}).listing(${JSON.stringify(root)}, ${MAX_LISTED}))(__import__('sys'))`;
}

/** The listing from the expression's text/plain repr ('base64…'). */
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

/** One Python expression reading `length` bytes at `offset` of root/`segments` (read_output.py). */
export function readExpression(root: string, segments: string[], offset: number, length: number, maxBytes: number): string {
  const source = `${READ_SOURCE}\nresult = _read(${JSON.stringify(root)}, ${JSON.stringify(segments)}, ${offset}, ${length}, ${maxBytes})\n`;
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

/** Reads `root`/`path` through the kernel, in chunks (read_output.py's rules: no symlink followed). */
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
