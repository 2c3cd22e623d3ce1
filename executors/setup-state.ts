/**
 * What `npm run setup` found on this machine (~/.codeact/setup.json), so executors and tests pick
 * a working backend without probing everything again.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { codeactHome } from "./home";

export { codeactHome };

export const SetupStateSchema = z.object({
  /** A Docker engine answered at setup time. */
  docker: z.boolean(),
  /** The kernel image built or found, e.g. codeact-kernel:1a2b3c4d5e6f. */
  image: z.string().optional(),
  /** A python that can import ipykernel, for the local (unsandboxed) fallback. */
  localPython: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type SetupState = z.infer<typeof SetupStateSchema>;

export function setupStatePath(): string {
  return join(codeactHome(), "setup.json");
}

/** Undefined when setup never ran or its file is unreadable; callers then probe for themselves. */
export function readSetupState(): SetupState | undefined {
  try {
    return SetupStateSchema.parse(JSON.parse(readFileSync(setupStatePath(), "utf8")));
  } catch {
    return undefined;
  }
}
