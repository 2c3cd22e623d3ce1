/** The `--input <path>` flag (repeatable): files and folders copied into /workspace/inputs/. */
import type { Command } from "commander";
import type { InputFile } from "../executors/workspace/inputs";
import { collectInputs } from "../executors/workspace/read-paths";
import { UsageError } from "./flags";

/** Each `--input` adds one path; kept in the order given. */
const collect = (value: string, previous: string[] = []) => {
  if (!value.trim()) throw new UsageError("--input needs a path to a file or folder.");
  return [...previous, value];
};

export function addInputFlag(cmd: Command): Command {
  return cmd.option(
    "--input <path>",
    "copy a file or folder into /workspace/inputs/ (read-only to the agent's code; repeatable; limits: $CODEACT_INPUT_MAX_MB per file, $CODEACT_INPUTS_MAX_MB in all)",
    collect,
  );
}

/** Reads the files now, so a missing file or one over a limit stops the run before any store or kernel. */
export function inputsFromFlags(paths: string[] | undefined): InputFile[] | undefined {
  if (!paths?.length) return undefined;
  try {
    return collectInputs(paths);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}
