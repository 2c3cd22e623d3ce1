/**
 * The artifact store: large binary outputs (images today; a thread's input and output files next)
 * kept beside the checkpoints instead of inside them. Content-addressed by sha256, so the same
 * bytes are stored once however many cells or threads show them; each artifact belongs to the
 * threads that link it, a thread reads only its own, and deleting a thread deletes the artifacts no
 * other thread links. Backends: SQLite (same file as the checkpoints), Postgres (same database),
 * memory (beside a MemorySaver).
 */
import { createHash } from "node:crypto";
import { CodeActError } from "../../errors";

export interface ArtifactLimits {
  /** Largest single artifact, in bytes. */
  maxArtifactBytes: number;
  /** Total bytes of the distinct artifacts one thread may hold. */
  maxThreadBytes: number;
}

export const DEFAULT_ARTIFACT_LIMITS: ArtifactLimits = { maxArtifactBytes: 64 * 1024 * 1024, maxThreadBytes: 2 * 1024 * 1024 * 1024 };

export interface StoredArtifact {
  sha256: string;
  /** Size of the stored bytes. */
  bytes: number;
}

export interface ArtifactInfo extends StoredArtifact {
  mime?: string;
  createdAt: string;
}

export interface ArtifactStore {
  readonly kind: "sqlite" | "postgres" | "memory";
  readonly limits: ArtifactLimits;
  /** Stores `data` for `threadId` (idempotent). Throws ArtifactLimitError past a size limit. */
  put(threadId: string, data: Uint8Array, info?: { mime?: string }): Promise<StoredArtifact>;
  /** The bytes, or undefined when this thread holds no such artifact. */
  get(threadId: string, sha256: string): Promise<Buffer | undefined>;
  list(threadId: string): Promise<ArtifactInfo[]>;
  /** Lets `toThreadId` read artifacts of `fromThreadId` (all, or the given ones): branching. Returns links added. */
  share(fromThreadId: string, toThreadId: string, sha256s?: string[]): Promise<number>;
  /** Unlinks every artifact of the thread and deletes those no other thread links. */
  deleteThread(threadId: string): Promise<{ unlinked: number; deleted: number }>;
  close(): Promise<void>;
}

export class ArtifactLimitError extends CodeActError {
  constructor(message: string) {
    super("limit", message);
    this.name = "ArtifactLimitError";
  }
}

export const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export const megabytes = (n: number) => `${(n / (1024 * 1024)).toFixed(1)} MB`;

/** Throws a clear error when storing `size` more bytes would pass a limit (`used`: the thread's bytes so far). */
export function checkLimits(limits: ArtifactLimits, threadId: string, size: number, used: number): void {
  if (size > limits.maxArtifactBytes) {
    throw new ArtifactLimitError(`An output of ${megabytes(size)} is over the artifact limit of ${megabytes(limits.maxArtifactBytes)}; write it to a file in the sandbox or make it smaller.`);
  }
  if (used + size > limits.maxThreadBytes) {
    throw new ArtifactLimitError(`Thread "${threadId}" already keeps ${megabytes(used)} of artifacts; ${megabytes(size)} more would pass its limit of ${megabytes(limits.maxThreadBytes)}. Delete old threads or start a new one.`);
  }
}

/** Artifact limits from the environment (CODEACT_ARTIFACT_MAX_MB, CODEACT_THREAD_ARTIFACTS_MAX_MB), defaults otherwise. */
export function artifactLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ArtifactLimits {
  const mb = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n > 0 ? Math.floor(n * 1024 * 1024) : fallback;
  };
  return {
    maxArtifactBytes: mb(env.CODEACT_ARTIFACT_MAX_MB, DEFAULT_ARTIFACT_LIMITS.maxArtifactBytes),
    maxThreadBytes: mb(env.CODEACT_THREAD_ARTIFACTS_MAX_MB, DEFAULT_ARTIFACT_LIMITS.maxThreadBytes),
  };
}
