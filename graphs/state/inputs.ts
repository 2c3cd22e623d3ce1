/**
 * The `inputs` state field: the run's input files as {name, sha256, size}, their bytes in the
 * thread's artifact store, so a resume, a rebuilt kernel, a follow-up or a branch sees the same files.
 * Where a graph has no artifact store (the LangGraph server's own checkpointer, a library user's
 * saver), the bytes ride inline as `base64` in the checkpoint, within the input size limits.
 *
 * A LangGraph server caller sends `{ task, inputs: [{ name, base64 }] }`: hostile until checked.
 * The reducer checks every entry and throws a plain sentence (not a zod issue list) when one is bad.
 */
import { createHash } from "node:crypto";
import { ReducedValue } from "@langchain/langgraph";
import { z } from "zod";
import { checkInputFiles, InputError, mergeInputs } from "../../executors/workspace/inputs";
import { inputLimitsFromEnv } from "../../executors/workspace/limits";
import { quotedName } from "../../executors/workspace/names";

export const InputRefSchema = z.object({
  name: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  size: z.number().int().nonnegative(),
  /** The bytes, when the thread has no artifact store to keep them in. */
  base64: z.string().optional(),
});
export type InputRef = z.infer<typeof InputRefSchema>;

/** What a graph input may carry: references (the library stored the bytes already) or bytes. */
const InputEntrySchema = z.object({
  name: z.unknown(),
  sha256: z.unknown().optional(),
  size: z.unknown().optional(),
  base64: z.unknown().optional(),
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SHA256 = /^[0-9a-f]{64}$/;

/** One entry checked and completed; throws an InputError that says what is wrong and with which file. */
function toRef(entry: z.infer<typeof InputEntrySchema>, maxFileBytes: number): InputRef {
  if (typeof entry.name !== "string") throw new InputError("Every input needs a string `name` (a relative path such as \"data.csv\").");
  const name = entry.name;
  const label = quotedName(name);
  if (entry.base64 !== undefined) {
    if (typeof entry.base64 !== "string") throw new InputError(`Input ${label}: \`base64\` must be a string of base64 text.`);
    // Refused from its length, before decoding: a huge body costs no more memory than it already did.
    if (Math.floor((entry.base64.length * 3) / 4) > maxFileBytes + 2) checkInputFiles([{ name, size: Math.floor((entry.base64.length * 3) / 4) }]);
    if (entry.base64.length % 4 !== 0 || !BASE64.test(entry.base64)) throw new InputError(`Input ${label}: \`base64\` is not valid base64 (standard alphabet, padded).`);
    const bytes = Buffer.from(entry.base64, "base64");
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (entry.sha256 !== undefined && entry.sha256 !== sha256) throw new InputError(`Input ${label}: the given sha256 does not match its bytes.`);
    return { name, sha256, size: bytes.length, base64: entry.base64 };
  }
  if (typeof entry.sha256 !== "string" || !SHA256.test(entry.sha256) || typeof entry.size !== "number" || !Number.isSafeInteger(entry.size) || entry.size < 0) {
    throw new InputError(`Input ${label} needs either \`base64\` (its bytes) or a \`sha256\` and \`size\` of bytes already in the thread's artifact store.`);
  }
  return { name, sha256: entry.sha256, size: entry.size };
}

/** Checks and completes the entries of one write: names, sizes, base64. */
export function checkInputEntries(entries: unknown): InputRef[] {
  if (!Array.isArray(entries)) throw new InputError("`inputs` must be a list of files: [{ name, base64 }].");
  const limits = inputLimitsFromEnv();
  if (entries.length > limits.maxFiles) throw new InputError(`${entries.length} input files are more than the limit of ${limits.maxFiles}.`);
  const refs = entries.map((e) => {
    const parsed = InputEntrySchema.safeParse(e);
    if (!parsed.success) throw new InputError("Each input must be an object { name, base64 }.");
    return toRef(parsed.data, limits.maxFileBytes);
  });
  checkInputFiles(refs, limits);
  return refs;
}

/** A later write adds files; one of the same name replaces the earlier (a follow-up's newer copy). */
export const InputsValue = new ReducedValue(z.array(InputRefSchema).default(() => []), {
  inputSchema: z.unknown(),
  reducer: (current: InputRef[], next: unknown) => {
    const merged = mergeInputs(current ?? [], checkInputEntries(next));
    checkInputFiles(merged, inputLimitsFromEnv());
    return merged;
  },
});
