#!/usr/bin/env node
// tsc emits only JavaScript; the Python preludes and prompt texts the code reads at run time
// (via __dirname) must sit beside it in dist/.
const { cpSync, readdirSync, statSync, mkdirSync } = require("node:fs");
const { join, extname, dirname } = require("node:path");

const root = join(__dirname, "..");
const ASSETS = new Set([".py", ".txt", ".json", ".html", ".css"]);
const SOURCES = ["graphs", "nodes", "tools", "executors", "checkpoints", "cli"];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (ASSETS.has(extname(name))) {
      const target = join(root, "dist", path.slice(root.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
for (const src of SOURCES) {
  try {
    walk(join(root, src));
  } catch (err) {
    if (err.code !== "ENOENT") throw err;
  }
}
