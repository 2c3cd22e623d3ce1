/**
 * The packages a user added to the kernel image with `codeact image build --with/--pip`, kept in
 * $CODEACT_HOME/image.json so every later run (CLI, library, server) uses that image without a flag.
 * The extras are kept, not the tag: after an upgrade changes the base recipe, the image name follows
 * it and `codeact image build` rebuilds with the same extras.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { codeactHome } from "../home";
import type { ImageExtras } from "./recipe";

const FILE = "image.json";

export interface ImageRecord {
  debs: string[];
  pip: string[];
  builtAt: string;
}

/** The recorded extras, or undefined (no record, or one this version cannot read: the default image). */
export function recordedExtras(): ImageRecord | undefined {
  let text: string;
  try {
    text = readFileSync(join(codeactHome(), FILE), "utf8");
  } catch {
    return undefined;
  }
  try {
    const r = JSON.parse(text) as Partial<ImageRecord>;
    const strings = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (!strings(r.debs) || !strings(r.pip)) return undefined;
    return { debs: r.debs!, pip: r.pip!, builtAt: String(r.builtAt ?? "") };
  } catch {
    return undefined;
  }
}

/** Makes these extras the image runs use; none clears the record (runs use the default image). */
export function recordExtras(extras: ImageExtras): void {
  const path = join(codeactHome(), FILE);
  const debs = extras.debs ?? [];
  const pip = extras.pip ?? [];
  if (debs.length + pip.length === 0) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(codeactHome(), { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify({ debs, pip, builtAt: new Date().toISOString() }, null, 2)}\n`);
  renameSync(tmp, path);
}
