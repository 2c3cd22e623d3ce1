#!/usr/bin/env node
/** The `codeact` command. Each subcommand lives in its own module. */
import { Command } from "commander";
import { ZodError } from "zod";
import { registerExport } from "./export";
import { zodIssuesText } from "./flags";
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
      // One line a person can act on: zod's issue array summarised; hostile text (a server reply, a file) inert.
      console.error(`codeact: ${inert(err instanceof ZodError ? zodIssuesText(err) : err.message)}`);
      process.exit(1);
    });
}
