/**
 * Every bound on workspace files in one place: name lengths (both sides), input sizes and counts
 * (and the variables that raise them), how many outputs are listed and how much is read per request.
 */

/** Longest file name, in characters, in or out. */
export const MAX_NAME_CHARS = 1024;
/** Longest path segment, in bytes: file systems count bytes, not characters. */
export const MAX_SEGMENT_BYTES = 255;

export interface InputLimits {
  /** Largest single input file, in bytes. */
  maxFileBytes: number;
  /** All input files of a run together, in bytes. */
  maxTotalBytes: number;
  /** At most this many files (a directory input expands to its files). */
  maxFiles: number;
}

export const DEFAULT_INPUT_LIMITS: InputLimits = { maxFileBytes: 64 * 1024 * 1024, maxTotalBytes: 512 * 1024 * 1024, maxFiles: 10_000 };

export const INPUT_LIMIT_ENV = { file: "CODEACT_INPUT_MAX_MB", total: "CODEACT_INPUTS_MAX_MB" } as const;

/** Input limits from the environment (CODEACT_INPUT_MAX_MB per file, CODEACT_INPUTS_MAX_MB in all). */
export function inputLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): InputLimits {
  const read = (v: string | undefined, fallback: number) => {
    const n = Number(v);
    return v && Number.isFinite(n) && n > 0 ? Math.floor(n * 1024 * 1024) : fallback;
  };
  return {
    ...DEFAULT_INPUT_LIMITS,
    maxFileBytes: read(env[INPUT_LIMIT_ENV.file], DEFAULT_INPUT_LIMITS.maxFileBytes),
    maxTotalBytes: read(env[INPUT_LIMIT_ENV.total], DEFAULT_INPUT_LIMITS.maxTotalBytes),
  };
}

/** More output entries than this are not listed (a cell that writes 100 000 files must not stall the run). */
export const MAX_LISTED = 1000;

/** Bytes per in-kernel read request: its base64 stays well inside one Jupyter message. */
export const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/** A size as people read it: bytes, KB or MB. */
export const humanSize = (n: number) => (n < 1024 ? `${n} B` : n < 1024 * 1024 ? `${(n / 1024).toFixed(1)} KB` : `${(n / (1024 * 1024)).toFixed(1)} MB`);
