#!/usr/bin/env node
/** The `codeact` command. Each subcommand lives in its own module. */
import { Command } from "commander";
import { registerExport } from "./export";
import { inert } from "./inert";
import { registerImage } from "./image";
import { registerRun } from "./run";
import { registerThreads } from "./threads";

export function buildProgram(): Command {
  const program = new Command("codeact").description("CodeAct agents on LangGraph.js: Python code actions in a sandboxed Jupyter kernel");
  registerRun(program);
  registerThreads(program);
  registerExport(program);
  registerImage(program);
  return program;
}

if (require.main === module) {
  buildProgram()
    .parseAsync(process.argv)
    .catch((err: Error) => {
      console.error(`codeact: ${inert(err.message)}`); // messages can quote hostile text (a server reply, a file)
      process.exit(1);
    });
}
