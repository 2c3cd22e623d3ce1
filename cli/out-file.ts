/** An output file named on the command line (`export -o`), checked before any work is done for it. */
import { accessSync, constants, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { CodeActError } from "../errors";
import { inert } from "../exports/inert";

/** Undefined where there is nothing (or a file stands where a folder on the way should be). */
function statOf(path: string) {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Throws a CodeActError naming the path when `out` (or, without it, a file in the current folder)
 * cannot be written: its folder missing or not a folder, the path a folder, the folder unwritable.
 */
export function checkOutFile(out: string | undefined): void {
  const path = resolve(out ?? "codeact-export");
  const dir = dirname(path);
  const refuse = (code: "not_found" | "usage", why: string, hint: string) => new CodeActError(code, `Cannot write ${inert(path)}: ${why}.`, { hint });
  const st = statOf(dir);
  if (!st) throw refuse("not_found", `the folder ${inert(dir)} does not exist`, "Create it first, or give -o a path in an existing folder.");
  if (!st.isDirectory()) throw refuse("usage", `${inert(dir)} is not a folder`, "Give -o a path in a folder.");
  if (statOf(path)?.isDirectory()) throw refuse("usage", "it is a folder", "Give -o a file path, such as a name inside that folder.");
  try {
    accessSync(dir, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw refuse("usage", `the folder ${inert(dir)} cannot be written (${code === "EROFS" ? "read-only file system" : "permission denied"})`, "Give -o a path in a folder you can write.");
  }
}
