/**
 * The layers of ARCHITECTURE.md, bottom first: a source file imports only from its own layer or
 * below. A folder that is in no layer fails too, so a new one is placed on purpose, not by accident.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";

const ROOT = join(__dirname, "..");

/** Bottom first. A path belongs to the longest prefix that names it. */
const LAYERS = ["errors", "executors", "graphs/state", "tools", "checkpoints", "nodes", "graphs", "exports", "eval", "serve", "cli", "index.ts", "bench", "scripts", "examples"];
/** Entry points: nothing in the library imports them, and they may import any layer. */
const TOP = new Set(["index.ts", "bench", "scripts", "examples"]);

function layerOf(path: string): number {
  let best = -1;
  let bestLength = -1;
  LAYERS.forEach((prefix, i) => {
    if ((path === prefix || path.startsWith(`${prefix}/`)) && prefix.length > bestLength) {
      best = i;
      bestLength = prefix.length;
    }
  });
  return best;
}

function sources(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return /\.(ts|js)$/.test(e.name) && !e.name.endsWith(".d.ts") ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']*)["']/gm;

/** Relative imports of a file, resolved to paths from the root. Template strings (generated code) are not imports. */
export function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8").replace(/`(?:\\[\s\S]|[^`\\])*`/g, "``");
  return [...text.matchAll(SPECIFIER)].map((m) => normalize(join(dirname(file), m[1]!)));
}

const ROOTS = LAYERS.filter((l) => !l.includes("/") && !l.endsWith(".ts"));
const files = [...ROOTS.flatMap((d) => (readdirSafe(d) ? sources(d) : [])), "index.ts"];

function readdirSafe(dir: string): boolean {
  try {
    readdirSync(join(ROOT, dir));
    return true;
  } catch {
    return false;
  }
}

test("every source file is in a layer", () => {
  const top = readdirSync(ROOT, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith(".") && !["node_modules", "dist", "tests"].includes(e.name))
    .map((e) => e.name);
  expect(top.filter((d) => layerOf(d) < 0 && layerOf(`${d}/x`) < 0)).toEqual([]);
  expect(files.length).toBeGreaterThan(100);
});

test("no file imports from a layer above its own", () => {
  const upward: string[] = [];
  for (const file of files) {
    const own = layerOf(file);
    for (const target of importsOf(file)) {
      const rel = relative(ROOT, join(ROOT, target));
      if (rel.startsWith("..") || rel.startsWith("tests/") || rel === "package.json") continue;
      const theirs = layerOf(rel);
      if (theirs < 0) upward.push(`${file} → ${rel} (no layer)`);
      else if (theirs > own && !TOP.has(LAYERS[own]!)) upward.push(`${file} (${LAYERS[own]}) → ${rel} (${LAYERS[theirs]})`);
      else if (TOP.has(LAYERS[theirs]!) && LAYERS[theirs] !== LAYERS[own]) upward.push(`${file} → ${rel} (an entry point)`);
    }
  }
  expect(upward).toEqual([]);
});

test("the check sees an upward import", () => {
  // graphs/codeact.ts wires the nodes: it must import from nodes/, the layer below it.
  expect(importsOf("graphs/codeact.ts").some((t) => t.startsWith("nodes/"))).toBe(true);
  expect(layerOf("graphs/state/cell.ts")).toBeLessThan(layerOf("nodes/coder.ts"));
  expect(layerOf("nodes/coder.ts")).toBeLessThan(layerOf("graphs/codeact.ts"));
  expect(layerOf("checkpoints/savers.ts")).toBeLessThan(layerOf("graphs/threads.ts"));
});
