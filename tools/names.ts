/**
 * The Python names host tools take in the kernel. A tool's name comes from someone else (an MCP
 * server, a tool module) and its stub is a global of the kernel: named `ask_user`, `range`,
 * `__import__`, `os` or `_codeact_call`, it would replace what the person, the model's code or the
 * bridge itself relies on. Such names, and names another tool already has, get a prefix instead,
 * and the entry says so, so the model is told which name to call.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** Why a tool's Python name is not its own; shown to the model next to the name it must call. */
export interface Rename {
  from: string;
  why: "reserved" | "taken";
}

/** Top-level names tools/prelude.py defines or imports, read from the file so the two cannot drift. */
function preludeNames(source: string): string[] {
  const names: string[] = [];
  for (const line of source.split("\n")) {
    const def = /^(?:def|class)\s+(\w+)/.exec(line) ?? /^(\w+)\s*=/.exec(line);
    if (def) names.push(def[1]!);
    const imp = /^import\s+([\w.]+)(?:\s+as\s+(\w+))?/.exec(line);
    if (imp) names.push(imp[2] ?? imp[1]!.split(".")[0]!);
    const from = /^from\s+\S+\s+import\s+(.+)$/.exec(line);
    if (from) for (const part of from[1]!.split(",")) names.push(part.trim().split(/\s+as\s+/).pop()!);
  }
  return names;
}

function readReserved(): Set<string> {
  const listed = readFileSync(join(__dirname, "reserved-names.txt"), "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("#"))
    .flatMap((l) => l.split(/\s+/))
    .filter(Boolean);
  const prelude = ["prelude.py", "prelude-mcp.py"].flatMap((f) => preludeNames(readFileSync(join(__dirname, f), "utf8")));
  return new Set([...listed, ...prelude]);
}

let reserved: Set<string> | undefined;

/** A name the kernel keeps for itself: keywords, builtins, modules, the prelude's, `_codeact*`, dunders. */
export function isReservedName(id: string): boolean {
  reserved ??= readReserved();
  return reserved.has(id) || /^_*codeact/i.test(id) || /^__\w*__$/.test(id);
}

/** Any text as a Python identifier ("my-tool" → "my_tool", "3d" → "_3d"); keywords are not handled here. */
export function sanitizeIdentifier(name: string): string {
  const id = name.replace(/[^A-Za-z0-9_]/g, "_");
  return !id || /^[0-9]/.test(id) ? `_${id}` : id;
}

/**
 * The tool's own name as an identifier when it is free; else `prefix + own`, then `prefix + own + "_2"`, … until a name is neither
 * reserved nor `taken` (the caller keeps the names in use). Deterministic: the same tools in the
 * same order always get the same names.
 */
export function freeName(original: string, prefix: string, taken: (id: string) => boolean): { name: string; rename?: Rename } {
  const own = sanitizeIdentifier(original);
  if (!isReservedName(own) && !taken(own)) return { name: own };
  const why = isReservedName(own) ? "reserved" : "taken";
  const base = sanitizeIdentifier(`${prefix}${own}`);
  let name = base;
  for (let i = 2; isReservedName(name) || taken(name); i++) name = `${base}_${i}`;
  return { name, rename: { from: original, why } };
}

/** The note the model reads next to a renamed tool. */
export function renameNote(rename: Rename): string {
  const because = rename.why === "reserved" ? "that name belongs to Python or the kernel" : "another tool has that name";
  return `[renamed from "${rename.from}": ${because}; call it by the name shown]`;
}
