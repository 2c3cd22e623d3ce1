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
