#!/usr/bin/env node
// tsc emits only JavaScript; everything else the code reads at run time via __dirname (prompt texts,
// Python preludes, the image's Dockerfile and packages.txt, …) must sit beside it in dist/. Every
// non-TypeScript file is copied, byte for byte: an allow-list of extensions once left the Dockerfile
// out, and the image tag is a hash of these files, so a changed byte would mean another image.
const { cpSync, readdirSync, statSync, mkdirSync } = require("node:fs");
const { join, dirname } = require("node:path");

const root = join(__dirname, "..");
const SOURCES = ["graphs", "nodes", "tools", "executors", "checkpoints", "cli", "eval", "exports"];

function walk(dir) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) walk(path);
    else if (!name.endsWith(".ts")) {
      const target = join(root, "dist", path.slice(root.length + 1));
      mkdirSync(dirname(target), { recursive: true });
      cpSync(path, target);
    }
  }
}
for (const src of SOURCES) walk(join(root, src));

// tsc writes its output without the execute bit, and prebuild removes dist/ first, so every build
// would leave `codeact` (a linked or installed bin) failing with "Permission denied". Each bin the
// package declares gets it back here, the last step of every build (and so of `npm pack`).
const { chmodSync, readFileSync } = require("node:fs");
const { bin } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
for (const target of Object.values(typeof bin === "string" ? { main: bin } : bin ?? {})) chmodSync(join(root, target), 0o755);
