#!/usr/bin/env node
// First step of `npm run demo` and `npm test` on any machine, fresh or not: npm dependencies, then
// the runtime (Docker engine, kernel image, local kernel fallback) through scripts/setup-runtime.ts.
// Plain JavaScript with no dependencies, because on a fresh clone nothing is installed yet.
// Flags: --quiet (a line per step; tool output in $CODEACT_HOME/setup.log), --for-tests (also the
// system packages tests use), --local (the local kernel's packages even when Docker is there).
const { spawnSync } = require("node:child_process");
const { closeSync, existsSync, mkdirSync, openSync, statSync } = require("node:fs");
const { homedir } = require("node:os");
const { join } = require("node:path");

const root = join(__dirname, "..");
const args = process.argv.slice(2);
const quiet = args.includes("--quiet");
// Quiet: the tool's own output goes to this file, named if the step fails (same file as setup-runtime's).
const logFile = join(process.env.CODEACT_HOME || join(homedir(), ".codeact"), "setup.log");

function run(cmd, argv, { toLog = false } = {}) {
  let out = "inherit";
  if (toLog) {
    mkdirSync(join(logFile, ".."), { recursive: true });
    out = openSync(logFile, "a");
  }
  const r = spawnSync(cmd, argv, { cwd: root, stdio: toLog ? ["ignore", out, out] : "inherit" });
  if (typeof out === "number") closeSync(out);
  if (r.status !== 0) {
    console.error(`codeact setup: \`${cmd} ${argv.join(" ")}\` failed (exit ${r.status})${toLog ? `; its full output is in ${logFile}` : ""}.`);
    process.exit(r.status || 1);
  }
}

const lock = join(root, "package-lock.json");
const installed = join(root, "node_modules", ".package-lock.json");
if (!existsSync(installed) || (existsSync(lock) && statSync(lock).mtimeMs > statSync(installed).mtimeMs + 1000)) {
  console.error("codeact setup: installing npm dependencies (npm ci)…");
  run("npm", ["ci", "--no-audit", "--no-fund"], { toLog: quiet });
}
run(join(root, "node_modules", ".bin", "tsx"), [join(__dirname, "setup-runtime.ts"), ...args]);
