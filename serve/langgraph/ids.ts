/**
 * Thread ids between the LangGraph API and codeact's store. The embedded server (langgraph-api
 * 1.5's embed routes) accepts only UUIDs in its paths; codeact's ids are `t-abc`, `run-…`,
 * `<parent>.<cell>.<n>`. A codeact id that is a UUID (every thread an SDK client creates) is its own
 * API id; any other gets a stable name-based UUID (v5 of the codeact id), the same in every
 * process and after a restart, with the codeact id in the thread's metadata. Paths may also name
 * a thread by its codeact id: the router maps it before the embedded routes see it.
 */
import { createHash } from "node:crypto";
import { checkThreadId, isValidThreadId } from "../../checkpoints/thread-id";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** This module's own namespace for v5 ids (a fixed random UUID). */
const NAMESPACE = Buffer.from("6c0d5a4e9b3f4f0e8f2a1d7c3b9e5a10", "hex");

export const isUuid = (id: string): boolean => UUID.test(id);

/** RFC 4122 version 5 (SHA-1, name-based). */
function uuidV5(name: string): string {
  const hash = createHash("sha1").update(NAMESPACE).update(name, "utf8").digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const h = hash.subarray(0, 16).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The id an API client sees for a codeact thread. */
export function apiIdOf(codeactId: string): string {
  checkThreadId(codeactId);
  return isUuid(codeactId) ? codeactId.toLowerCase() : uuidV5(codeactId);
}

/**
 * API id → codeact id. Ids seen before are remembered; an unknown one is looked for among the
 * store's threads (at most once a second, so a flood of made-up ids does not rescan the store each
 * time); a UUID found nowhere names itself (a new thread).
 */
export class ThreadIds {
  private readonly known = new Map<string, string>();
  private scannedAt = 0;

  constructor(private readonly allIds: () => Promise<string[]>) {}

  remember(codeactId: string): string {
    const api = apiIdOf(codeactId);
    this.known.set(api, codeactId);
    return api;
  }

  async codeactIdOf(apiId: string): Promise<string> {
    const id = apiId.toLowerCase();
    const hit = this.known.get(id);
    if (hit) return hit;
    if (Date.now() - this.scannedAt > 1000) {
      this.scannedAt = Date.now();
      for (const c of await this.allIds()) this.remember(c);
      const found = this.known.get(id);
      if (found) return found;
    }
    return id;
  }
}

/** A path segment a caller gave as a thread id: a UUID, or a codeact id (mapped), else refused. */
export function apiIdFromPath(segment: string, ids: ThreadIds): string {
  if (isUuid(segment)) return segment.toLowerCase();
  if (!isValidThreadId(segment)) checkThreadId(segment); // throws InvalidThreadIdError: one line
  return ids.remember(segment);
}
