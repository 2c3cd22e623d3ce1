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
