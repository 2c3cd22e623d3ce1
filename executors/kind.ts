/** Which executor a run asks for. "auto" is the Docker sandbox (see factory.ts); it is never the local kernel. */
import { z } from "zod";

export const EXECUTOR_KINDS = ["auto", "docker", "local", "remote"] as const;
export const ExecutorKindSchema = z.enum(EXECUTOR_KINDS);
export type ExecutorKind = z.infer<typeof ExecutorKindSchema>;
