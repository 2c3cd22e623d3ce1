/**
 * The one rule for a workspace file's name, in (/workspace/inputs, from the user) and out
 * (/workspace/outputs, from the sandbox): a relative POSIX path of plain segments, nothing that could
 * climb out of its folder or confuse a file system or a terminal. Both sides are hostile: inputs
 * come from library and LangGraph server callers, outputs from the model's code. Names out are also
 * written back on the user's disk (`codeact files --out`, exports), so they must read as they are
 * and be writable on any file system: that side is stricter.
 */
import { MAX_NAME_CHARS, MAX_SEGMENT_BYTES } from "./limits";

export type FileSide = "input" | "output";

/** Control characters (NUL included), backslashes and colons: trouble on some file system or terminal. */
const BAD_CHARS = /[\u0000-\u001f\u007f\\:]/;
// Out only: C1 controls, the bidi/format characters that make a name read differently than it is,
// and the characters Windows refuses.
const UNPORTABLE_CHARS = /[\u0080-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff*?"<>|]/;
// A name that was not valid UTF-8 reaches us with lone surrogates: it has no faithful spelling.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why `name` cannot be a file name on this side, or undefined when it can. */
export function fileNameProblem(name: string, side: FileSide): string | undefined {
  if (!name) return "it is empty";
  if (name.length > MAX_NAME_CHARS) return `it is longer than ${MAX_NAME_CHARS} characters`;
  if (BAD_CHARS.test(name)) return "it contains a control character (NUL included), a backslash or a colon";
  if (side === "output") {
    if (LONE_SURROGATE.test(name)) return "it is not valid UTF-8";
    if (UNPORTABLE_CHARS.test(name)) return 'it contains a C1 control, a bidi or format character, or one of * ? " < > |';
  }
  const folder = `${side}s folder`;
  if (name.startsWith("/")) return `it is an absolute path; give a path relative to the ${folder}`;
  for (const s of name.split("/")) {
    if (s === "") return "it has an empty path segment (a doubled or trailing slash)";
    if (s === "." || s === "..") return `it has a "${s}" segment; names must stay inside the ${folder}`;
    if (Buffer.byteLength(s, "utf8") > MAX_SEGMENT_BYTES) return `a path segment is longer than ${MAX_SEGMENT_BYTES} bytes`;
    if (side === "output" && s.trim() !== s) return "a path segment starts or ends with white space";
  }
  return undefined;
}

/** An output path's segments when it passes the rule (it can be written under any folder); else undefined. */
export function safeSegments(path: string): string[] | undefined {
  return typeof path === "string" && fileNameProblem(path, "output") === undefined ? path.split("/") : undefined;
}

/** A name quoted for a message, cut short: it may be long and is never trusted. */
export const quotedName = (name: string) => JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
