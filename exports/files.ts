/**
 * Output files in exports: the bytes of the files each cell collected, read once from the thread's
 * artifact store and embedded (HTML download links, notebook attachments) up to a size; larger ones
 * are named with the command that fetches them.
 */
import type { ArtifactScope } from "../checkpoints/artifacts/cells";
import { type ThreadView, viewCells } from "./view";

/** Files up to this size are embedded in an export; `codeact files` fetches any size. */
export const EMBED_MAX_BYTES = 10 * 1024 * 1024;

/** sha256 → bytes of every embeddable file the view's cells and answer name. */
export async function loadViewFiles(view: ThreadView, scope: ArtifactScope): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const kept of [...viewCells(view).map((c) => c.files), view.answerFiles]) {
    for (const f of kept) {
      if (out.has(f.sha256) || f.size > EMBED_MAX_BYTES) continue;
      const data = await scope.store.get(scope.threadId, f.sha256);
      if (data) out.set(f.sha256, data);
    }
  }
  return out;
}

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** An image type only when the bytes say so (a name is hostile): PNG and JPEG, else none. */
export function imageMime(data: Buffer): "image/png" | "image/jpeg" | undefined {
  if (data.subarray(0, 8).equals(PNG)) return "image/png";
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return "image/jpeg";
  return undefined;
}
