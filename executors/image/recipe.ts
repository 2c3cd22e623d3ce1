/**
 * The kernel image's recipe and its name. The tag is a hash of everything that decides the image's
 * contents, so an image is rebuilt exactly when its recipe changes and found instantly otherwise.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { recordedExtras } from "./default";
import { CodeActError } from "../../errors";

export const IMAGE_REPO = "codeact-kernel";
export const RECIPE_LABEL = "codeact.recipe";
/** Bump when the offline builder's steps change in a way that changes the image. */
const BUILDER_VERSION = "1";
export const DEBIAN_SUITE = "bookworm";

export function readRecipeFile(name: string): string {
  return readFileSync(join(__dirname, name), "utf8");
}

/** Debian packages of the offline image, from packages.txt (comments and blanks skipped). */
export function debianPackages(): string[] {
  return readRecipeFile("packages.txt")
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith("#"));
}

/**
 * Packages a user adds to the kernel image (`codeact image build --with … --pip …`): Debian
 * packages of the offline recipe, and pip requirements installed from a Python index.
 */
export interface ImageExtras {
  debs?: string[];
  pip?: string[];
}

/** Debian's package-name rule: the names also go into a chroot shell line, so nothing else passes. */
const DEB_NAME = /^[a-z0-9][a-z0-9+.-]+$/;
/** A name, optional [extras], optional version clauses ("pandas==2.2.2", "httpx[http2]>=0.27,<1"). */
const PIP_SPEC = /^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?((===?|~=|!=|<=?|>=?)[A-Za-z0-9.*+!_-]+)?(,(===?|~=|!=|<=?|>=?)[A-Za-z0-9.*+!_-]+)*$/;

/** Checked, deduplicated and sorted extras (the order given does not change the image). */
export function normalizeExtras(extras: ImageExtras = {}): { debs: string[]; pip: string[] } {
  const base = new Set(debianPackages());
  for (const d of extras.debs ?? []) {
    if (!DEB_NAME.test(d)) throw new CodeActError("usage", `"${d}" is not a Debian package name (lower-case letters, digits, + - .), such as python3-scipy. Find names with: apt-cache search python3-`);
  }
  for (const p of extras.pip ?? []) {
    if (!PIP_SPEC.test(p)) throw new CodeActError("usage", `"${p}" is not a pip requirement codeact accepts: a name with an optional version, such as requests==2.32.3 or "httpx>=0.27,<1".`);
  }
  const debs = [...new Set(extras.debs ?? [])].filter((d) => !base.has(d)).sort();
  const pip = [...new Set(extras.pip ?? [])].sort();
  return { debs, pip };
}

export function hasExtras(extras: ImageExtras = {}): boolean {
  const n = normalizeExtras(extras);
  return n.debs.length + n.pip.length > 0;
}

export function recipeHash(extras?: ImageExtras): string {
  const h = createHash("sha256");
  h.update(`builder:${BUILDER_VERSION}\nsuite:${DEBIAN_SUITE}\n`);
  h.update(debianPackages().join("\n"));
  h.update(readRecipeFile("Dockerfile"));
  // Hashed only when there are extras: the default image keeps its name (and its cached build).
  const { debs, pip } = normalizeExtras(extras);
  if (debs.length || pip.length) h.update(`\nextras:1\ndeb:${debs.join(" ")}\npip:${pip.join(" ")}\n`);
  return h.digest("hex");
}

/** The tag of the image built from the recipe with these extras. */
export function recipeImageName(extras?: ImageExtras): string {
  return `${IMAGE_REPO}:${recipeHash(extras).slice(0, 12)}`;
}

/**
 * The image executors use: $CODEACT_IMAGE, else the one the last `codeact image build --with/--pip`
 * made the default ($CODEACT_HOME/image.json), else the tag derived from the current recipe.
 */
export function kernelImageName(): string {
  return process.env.CODEACT_IMAGE || recipeImageName(recordedExtras());
}
