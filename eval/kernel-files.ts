/**
 * How a suite's files get into a sandboxed kernel: the Docker kernel's /workspace is an empty tmpfs,
 * so the files travel inside the kernel's prelude (base64 in a code cell), re-sent on every kernel
 * (re)start. This is the one place to replace once threads can mount input files into the sandbox.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { CodeActError } from "../errors";

/** More than this many bytes of suite files is a mistake (a data folder pointed at by accident). */
const MAX_BYTES = 20 * 1024 * 1024;

/** {path relative to `dir`, "/"-separated: base64 content}, caches and hidden files skipped. */
export function readFolder(dir: string, prefix = ""): Record<string, string> {
  const out: Record<string, string> = {};
  let total = 0;
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      if (name.startsWith(".") || name === "__pycache__" || name.endsWith(".pyc")) continue;
      const path = join(d, name);
      const st = statSync(path);
      if (st.isDirectory()) walk(path);
      else if (st.isFile()) {
        total += st.size;
        if (total > MAX_BYTES) throw new CodeActError("limit", `${dir} holds more than ${MAX_BYTES / 1024 / 1024} MB of files; a suite folder should hold only its Python files and small data.`);
        out[prefix + relative(dir, path).split(sep).join("/")] = readFileSync(path).toString("base64");
      }
    }
  };
  walk(dir);
  return out;
}

/** Python source that writes `files` under `root` in the kernel (the harness's _ce_write does the checks). */
export function writeFilesSource(root: string, files: Record<string, string>): string {
  const payload = Buffer.from(JSON.stringify(files)).toString("base64");
  return `_ce_write(${JSON.stringify(root)}, "${payload}")`;
}
