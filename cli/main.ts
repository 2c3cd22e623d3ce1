#!/usr/bin/env node
/**
 * The `codeact` command. Each subcommand lives in its own module, loaded only when that command
 * runs: the run modules pull in LangChain, ZeroMQ and Docker clients (over a second of start-up),
 * which `codeact --help` or `codeact threads` never need.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { Command } from "commander";

type Register = (program: Command) => void;

interface Group {
  /** Commands the module registers, as the top-level help lists them: [name, arguments, description]. */
  commands: [string, string, string][];
  /** `require`, not `import()`: this is a CommonJS build, and tsx and jest load it the same way. */
  load: () => Register;
}

const GROUPS: Group[] = [
  {
    commands: [
      ["run", "<task>", "run a task"],
      ["resume", "<thread>", "continue a paused or crashed run from its last checkpoint"],
    ],
    load: () => (require("./run") as typeof import("./run")).registerRun,
  },
  { commands: [["chat", "", "talk to the agent turn by turn on one thread (Ctrl-C pauses a turn, Ctrl-D leaves)"]], load: () => (require("./chat") as typeof import("./chat")).registerChat },
  {
    commands: [
      ["threads", "", "list threads: status, turns, cells, last activity, what waits"],
      ["history", "<thread>", "a run's checkpoints: id, node, step, summary"],
      ["settings", "<thread>", "the settings a thread runs with, and every change to them"],
    ],
    load: () => (require("./threads") as typeof import("./threads")).registerThreads,
  },
  { commands: [["branch", "<thread>", "start a new thread from any checkpoint and run it; the original stays as it was"]], load: () => (require("./branch") as typeof import("./branch")).registerBranch },
  { commands: [["rm", "<thread>", "delete a thread: its checkpoints, artifacts and saved plots"]], load: () => (require("./rm") as typeof import("./rm")).registerRm },
  { commands: [["export", "<thread>", "write a run as a Jupyter notebook or an HTML page"]], load: () => (require("./export") as typeof import("./export")).registerExport },
  { commands: [["files", "<thread>", "the files a run wrote under /workspace/outputs/: list or fetch them"]], load: () => (require("./files") as typeof import("./files")).registerFiles },
  { commands: [["image", "", "manage the kernel image"]], load: () => (require("./image") as typeof import("./image")).registerImage },
  { commands: [["eval", "<suite>", "evaluate the agent on a task suite (code, JSON and text actions)"]], load: () => (require("./eval") as typeof import("./eval")).registerEval },
];

/**
 * The package's own version: the nearest package.json named codeact above this file. The same
 * walk works from cli/ (tsx) and dist/cli/ (the build), where a relative require would not.
 */
export function packageVersion(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: unknown; version?: unknown };
      if (pkg.name === "codeact" && typeof pkg.version === "string") return pkg.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

/** The subcommand argv names (`codeact help run` names `run`), if any. */
function requested(args: string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "help" ? words[1] : words[0];
}

/**
 * The program with the requested command's real definition (all of them when `all`); the others
 * are listed by name for help and never loaded.
 */
export function buildProgram(args: string[] = process.argv.slice(2), all = false): Command {
  const program = new Command("codeact")
    .description("CodeAct agents on LangGraph.js: Python code actions in a sandboxed Jupyter kernel")
    .version(packageVersion(), "-V, --version", "print the codeact version");
  const wanted = requested(args);
  for (const group of GROUPS) {
    if (all || group.commands.some(([name]) => name === wanted)) group.load()(program);
    else for (const [name, argument, description] of group.commands) program.command(`${name}${argument ? ` ${argument}` : ""}`).description(description);
  }
  return program;
}

/** commander's refusals and help are thrown, not exited on, so that one table sets every exit code. */
function throwOnExit(command: Command): Command {
  command.exitOverride();
  for (const sub of command.commands) throwOnExit(sub);
  return command;
}

/**
 * `codeact … | head -1`: once the reader has gone, nothing more can be shown. A run pauses as on a
 * hang-up (checkpointed, resumable); any other command ends quietly, without a stack.
 */
function quietOnClosedStdout(): void {
  let gone = false;
  const onError = (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE" && err.code !== "ERR_STREAM_DESTROYED") throw err;
    if (gone) return;
    gone = true;
    if (process.listenerCount("SIGHUP") > 0) process.kill(process.pid, "SIGHUP");
    else process.exit(0);
  };
  // stderr too: `codeact … 2>&1 | head -1`.
  for (const stream of [process.stdout, process.stderr]) stream.on("error", onError);
}

if (require.main === module) {
  quietOnClosedStdout();
  throwOnExit(buildProgram())
    .parseAsync(process.argv)
    .catch((err: unknown) => process.exit((require("./errors") as typeof import("./errors")).reportFailure(err)));
}
