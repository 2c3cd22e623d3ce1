/** The `--input <path>` flag (repeatable): files and folders copied into /workspace/inputs/. */
import { lstatSync, readlinkSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import type { InputFile } from "../executors/workspace/inputs";
import { collectInputs } from "../executors/workspace/read-paths";
import { CodeActError } from "../errors";
import { inert } from "../exports/inert";
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

/**
 * A symlink typed as --input is not followed silently: what it points to (say /etc/shadow) would go
 * to the model. Giving the resolved path itself is the explicit way.
 */
function refuseLink(given: string): void {
  const path = resolve(given);
  let st;
  try {
    st = lstatSync(path);
  } catch {
    return; // missing: the reader says so
  }
  if (!st.isSymbolicLink()) return;
  let target: string;
  try {
    target = realpathSync(path);
  } catch {
    target = `${readlinkSync(path)} (which does not exist)`;
  }
  throw new UsageError(`--input ${inert(given)} is a symlink to ${inert(target)}; a link is not followed silently. Give --input ${inert(target)} if that is what the agent should read.`);
}

/** Reads the files now, so a missing file or one over a limit stops the run before any store or kernel. */
export function inputsFromFlags(paths: string[] | undefined): InputFile[] | undefined {
  if (!paths?.length) return undefined;
  for (const given of paths) refuseLink(given);
  try {
    return collectInputs(paths);
  } catch (err) {
    if (err instanceof CodeActError) throw err; // its own code: a limit, a missing file
    throw new UsageError((err as Error).message);
  }
}
