/** CODEACT_HOME, in a module of its own so light commands (`codeact threads`) need not load zod. */
import { homedir } from "node:os";
import { join } from "node:path";

/** CODEACT_HOME, default ~/.codeact: checkpoints, setup state and logs live here. */
export function codeactHome(): string {
  return process.env.CODEACT_HOME ?? join(homedir(), ".codeact");
}
