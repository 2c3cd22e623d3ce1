/** Artifacts in process memory, for a MemorySaver: they live exactly as long as its checkpoints. */
import { type ArtifactInfo, type ArtifactLimits, type ArtifactStore, checkLimits, DEFAULT_ARTIFACT_LIMITS, type StoredArtifact, sha256Hex } from "./store";

interface Link {
  mime?: string;
  createdAt: string;
}

export class MemoryArtifactStore implements ArtifactStore {
  readonly kind = "memory" as const;
  private readonly blobs = new Map<string, Buffer>();
  private readonly links = new Map<string, Map<string, Link>>();

  constructor(readonly limits: ArtifactLimits = DEFAULT_ARTIFACT_LIMITS) {}

  private used(threadId: string): number {
    let total = 0;
    for (const sha of this.links.get(threadId)?.keys() ?? []) total += this.blobs.get(sha)?.length ?? 0;
    return total;
  }

  async put(threadId: string, data: Uint8Array, info: { mime?: string } = {}): Promise<StoredArtifact> {
    const sha256 = sha256Hex(data);
    const mine = this.links.get(threadId) ?? new Map<string, Link>();
    if (!mine.has(sha256)) {
      checkLimits(this.limits, threadId, data.length, this.used(threadId));
      if (!this.blobs.has(sha256)) this.blobs.set(sha256, Buffer.from(data));
      mine.set(sha256, { mime: info.mime, createdAt: new Date().toISOString() });
      this.links.set(threadId, mine);
    }
    return { sha256, bytes: data.length };
  }

  async get(threadId: string, sha256: string): Promise<Buffer | undefined> {
    return this.links.get(threadId)?.has(sha256) ? this.blobs.get(sha256) : undefined;
  }

  async list(threadId: string): Promise<ArtifactInfo[]> {
    return [...(this.links.get(threadId)?.entries() ?? [])].map(([sha256, l]) => ({ sha256, bytes: this.blobs.get(sha256)?.length ?? 0, ...l }));
  }

  async share(fromThreadId: string, toThreadId: string, sha256s?: string[]): Promise<number> {
    const from = this.links.get(fromThreadId);
    if (!from) return 0;
    const to = this.links.get(toThreadId) ?? new Map<string, Link>();
    let added = 0;
    for (const sha of sha256s ?? [...from.keys()]) {
      const link = from.get(sha);
      if (!link || to.has(sha)) continue;
      to.set(sha, { ...link });
      added++;
    }
    this.links.set(toThreadId, to);
    return added;
  }

  async deleteThread(threadId: string): Promise<{ unlinked: number; deleted: number }> {
    const mine = this.links.get(threadId);
    if (!mine) return { unlinked: 0, deleted: 0 };
    this.links.delete(threadId);
    let deleted = 0;
    for (const sha of mine.keys()) {
      if ([...this.links.values()].some((l) => l.has(sha))) continue;
      this.blobs.delete(sha);
      deleted++;
    }
    return { unlinked: mine.size, deleted };
  }

  async close(): Promise<void> {}
}
