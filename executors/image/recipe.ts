/**
 * The kernel image's recipe and its name. The tag is a hash of everything that decides the image's
 * contents, so an image is rebuilt exactly when its recipe changes and found instantly otherwise.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";

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

export function recipeHash(): string {
  const h = createHash("sha256");
  h.update(`builder:${BUILDER_VERSION}\nsuite:${DEBIAN_SUITE}\n`);
  h.update(debianPackages().join("\n"));
  h.update(readRecipeFile("Dockerfile"));
  return h.digest("hex");
}

/** The image executors use: $CODEACT_IMAGE, else the tag derived from the current recipe. */
export function kernelImageName(): string {
  return process.env.CODEACT_IMAGE ?? `${IMAGE_REPO}:${recipeHash().slice(0, 12)}`;
}
