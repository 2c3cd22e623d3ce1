/**
 * `ensureKernelImage`: the kernel image for the current recipe, found in milliseconds when it
 * exists, else built — from the Dockerfile when a registry answers, offline otherwise — then
 * smoke-tested before anyone uses it.
 */
import { closeSync, openSync, readFileSync, rmSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { pidAlive } from "../pid";
import { codeactHome } from "../setup-state";
import { buildOffline, type Log } from "./offline";
import { checkPipIndex } from "./pip-index";
import { type ImageExtras, IMAGE_REPO, normalizeExtras, RECIPE_LABEL, recipeHash, recipeImageName } from "./recipe";
import { CodeActError } from "../../errors";

export { kernelImageName, recipeHash, recipeImageName, type ImageExtras } from "./recipe";
export { recordedExtras, recordExtras } from "./default";

const SMOKE = "import ipykernel, jupyter_client, jupyter_server, matplotlib_inline, numpy, pandas, matplotlib, sklearn";
const BASE_IMAGE = "python:3.11-slim";

export async function imageExists(docker: Docker, name: string): Promise<boolean> {
  try {
    await docker.getImage(name).inspect();
    return true;
  } catch {
    return false;
  }
}

/** Runs the image the way executors do (no network, read-only, uid 1000) and imports everything. */
export async function smokeTest(docker: Docker, name: string): Promise<void> {
  const container = await docker.createContainer({
    Image: name,
    Cmd: ["python3", "-c", SMOKE],
    User: "1000:1000",
    Env: ["HOME=/workspace", "MPLCONFIGDIR=/tmp/matplotlib", "IPYTHONDIR=/tmp/ipython"],
    HostConfig: { NetworkMode: "none", ReadonlyRootfs: true, Tmpfs: { "/workspace": "rw,uid=1000", "/tmp": "rw" } },
  });
  try {
    await container.start();
    const { StatusCode } = (await container.wait()) as { StatusCode: number };
    if (StatusCode !== 0) {
      const logs = (await container.logs({ stdout: true, stderr: true })).toString().slice(-1000);
      throw new CodeActError("sandbox", `Kernel image ${name} is broken: importing its packages failed (exit ${StatusCode}): ${logs}`);
    }
  } finally {
    await container.remove({ force: true }).catch(() => undefined);
  }
}

/** True when the engine can pull the Dockerfile's base image within a few seconds. */
async function registryReachable(docker: Docker, log: Log): Promise<boolean> {
  if (await imageExists(docker, BASE_IMAGE)) return true;
  try {
    const stream = await Promise.race([
      docker.pull(BASE_IMAGE),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error("timeout")), 8000).unref()),
    ]);
    await new Promise<void>((resolve, reject) => docker.modem.followProgress(stream, (err) => (err ? reject(err) : resolve())));
    return true;
  } catch (err) {
    log(`no registry reachable (${(err as Error).message.split("\n")[0]}): building offline from Debian packages.`);
    return false;
  }
}

async function buildFromDockerfile(docker: Docker, name: string, log: Log): Promise<void> {
  log(`building ${name} from executors/image/Dockerfile…`);
  const stream = await docker.buildImage({ context: __dirname, src: ["Dockerfile"] }, { t: name, labels: { [RECIPE_LABEL]: recipeHash() } });
  await new Promise<void>((resolve, reject) =>
    docker.modem.followProgress(stream, (err, output) => {
      const failed = (output as { error?: string }[] | undefined)?.find((o) => o.error);
      if (err || failed) reject(new CodeActError("sandbox", `docker build failed: ${err?.message ?? failed?.error}`));
      else resolve();
    }),
  );
}

/** One build at a time per machine: a second caller waits for the first instead of building too. */
async function withBuildLock<T>(fn: () => Promise<T>, log: Log): Promise<T> {
  mkdirSync(codeactHome(), { recursive: true });
  const lock = join(codeactHome(), "image-build.lock");
  for (let waited = 0; ; waited++) {
    try {
      const fd = openSync(lock, "wx");
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const owner = Number(readFileSync(lock, "utf8").trim());
      if (!pidAlive(owner)) {
        // The builder that held the lock is gone: a stale lock.
        rmSync(lock, { force: true });
        continue;
      }
      if (waited === 0) log(`another process (pid ${owner}) is building the kernel image; waiting for it…`);
      await new Promise((r) => setTimeout(r, 2000));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

export interface EnsureImageOptions {
  docker: Docker;
  log?: Log;
  /** Rebuild even when an image for the current recipe exists. */
  force?: boolean;
  /**
   * Packages added to the recipe (their own image tag). Without them: the default image, or
   * $CODEACT_IMAGE. An image with extras is always built from Debian packages (the offline path),
   * so a Debian package name means the kernel's own Python gets it.
   */
  extras?: ImageExtras;
}

export async function ensureKernelImage({ docker, log = () => undefined, force = false, extras }: EnsureImageOptions): Promise<string> {
  const { debs, pip } = normalizeExtras(extras);
  const withExtras = debs.length + pip.length > 0;
  const name = withExtras ? recipeImageName({ debs, pip }) : process.env.CODEACT_IMAGE || recipeImageName();
  if (!force && (await imageExists(docker, name))) return name;
  // Before any lock or download: a pip requirement with no index reachable fails now, in a second.
  if (pip.length) await checkPipIndex();
  if (!withExtras && process.env.CODEACT_IMAGE) {
    throw new CodeActError("sandbox", `CODEACT_IMAGE=${name} does not exist on this Docker engine. Build or pull it, or unset CODEACT_IMAGE.`);
  }
  return withBuildLock(async () => {
    if (!force && (await imageExists(docker, name))) return name;
    const started = Date.now();
    log(`kernel image ${name} not found: building it once (a few minutes; cached afterwards)…`);
    if (withExtras) await buildOffline(docker, name, log, { debs, pip });
    else if (await registryReachable(docker, log)) await buildFromDockerfile(docker, name, log);
    else await buildOffline(docker, name, log);
    try {
      await smokeTest(docker, name);
    } catch (err) {
      await docker.getImage(name).remove({ force: true }).catch(() => undefined);
      throw err;
    }
    // "latest" stays the default recipe's image (the README's remote-server line runs it).
    if (!withExtras) await docker.getImage(name).tag({ repo: IMAGE_REPO, tag: "latest" });
    const info = await docker.getImage(name).inspect();
    log(`kernel image ${name} ready in ${Math.round((Date.now() - started) / 1000)} s (${Math.round(info.Size / 1e6)} MB).`);
    return name;
  }, log);
}
