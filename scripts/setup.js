#!/usr/bin/env node
// First step of `npm run demo` and `npm test` on any machine, fresh or not: npm dependencies, then
// the runtime (Docker engine, kernel image, local kernel fallback) through scripts/setup-runtime.ts.
// Plain JavaScript with no dependencies, because on a fresh clone nothing is installed yet.
// Flags: --quiet (print only what changes), --for-tests (also the system packages tests use).
const { spawnSync } = require("node:child_process");
const { existsSync, statSync } = require("node:fs");
const { join } = require("node:path");

const root = join(__dirname, "..");
const args = process.argv.slice(2);

function run(cmd, argv) {
  const r = spawnSync(cmd, argv, { cwd: root, stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`codeact setup: \`${cmd} ${argv.join(" ")}\` failed (exit ${r.status}).`);
    process.exit(r.status || 1);
  }
}

const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
if (!existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000)) {
  console.error("codeact setup: installing npm dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"]);
}
run(join(root, "node_modules", ".bin", "tsx"), [join(__dirname, "setup-runtime.ts"), ...args]);
