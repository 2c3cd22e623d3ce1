/** Which checkpoint store the flags name; light, so `codeact threads` need not load the run modules. */
import type { CheckpointerConfig } from "../checkpoints/savers";
import { checkpointerConfigFromEnv } from "../checkpoints/sqlite-file";

export interface StoreFlags {
  checkpoints?: string;
  postgres?: string;
  memory?: boolean;
}

export function checkpointerFromFlags(f: StoreFlags): CheckpointerConfig {
  if (f.memory) return { kind: "memory" };
  if (f.postgres) return { kind: "postgres", connectionString: f.postgres };
  if (f.checkpoints) return { kind: "sqlite", path: f.checkpoints };
  return checkpointerConfigFromEnv();
}

/**
 * The command a person runs later on this thread (export it, resume it), or, for a thread kept in
 * memory, that there is none: it ends with this process, and a printed command would only fail.
 */
export function laterCommand(f: StoreFlags, threadId: string, line: string): string {
  return checkpointerFromFlags(f).kind === "memory" ? `thread ${threadId} was kept in memory (--memory) and ends with this command: run without --memory to export or resume a thread later.` : line;
}

/** The line a run or a chat ends with: how to export the thread. */
export const exportLine = (f: StoreFlags, threadId: string): string => laterCommand(f, threadId, `thread ${threadId} — export with: codeact export ${threadId} --format ipynb`);
