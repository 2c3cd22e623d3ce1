/**
 * Builds the kernel image with no registry: debootstrap a minimal Debian, install Debian's python3
 * packages in a chroot (debootstrap's own --include fails on configure order), strip what a kernel
 * never reads, then stream the rootfs into `docker import`. Needs root and debootstrap.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { join } from "node:path";
import type Docker from "dockerode";
import { debianPackages, DEBIAN_SUITE, type ImageExtras } from "./recipe";
import { CodeActError } from "../../errors";

export type Log = (line: string) => void;

function run(cmd: string, args: string[], log: Log, what: string, explain?: (tail: string) => string | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
    let tail = "";
    const keep = (b: Buffer) => {
      tail = (tail + b.toString()).slice(-4000);
    };
    child.stdout.on("data", keep);
    child.stderr.on("data", keep);
    child.on("error", (err) => reject(new CodeActError("sandbox", `${what}: could not run ${cmd}: ${err.message}`)));
    child.on("exit", (code) => {
      if (code === 0) resolve();
      else {
        const known = explain?.(tail);
        if (known) return reject(new CodeActError("sandbox", known));
        log(tail.trim());
        reject(new CodeActError("sandbox", `${what} failed (${cmd} exited ${code}). Its last output is above.`));
      }
    });
  });
}

export async function ensureDebootstrap(log: Log): Promise<void> {
  if (existsSync("/usr/sbin/debootstrap")) return;
  if (process.getuid?.() !== 0 || !existsSync("/usr/bin/apt-get")) {
    throw new CodeActError("sandbox", "The offline image build needs debootstrap and root. Install it (`apt-get install debootstrap`) and run as root, or build from the Dockerfile on a machine that reaches a registry.");
  }
  log("installing debootstrap (apt-get install debootstrap)…");
  await run("apt-get", ["-o", "DPkg::Lock::Timeout=600", "install", "-y", "-qq", "debootstrap"], log, "apt-get install debootstrap");
}

/** apt's "Unable to locate package X" as a sentence a user can act on. */
export function unknownPackage(tail: string): string | undefined {
  const missing = [...tail.matchAll(/Unable to locate package (\S+)/g)].map((m) => m[1]);
  if (!missing.length) return undefined;
  return `Debian ${DEBIAN_SUITE} has no package named ${missing.join(", ")}. Check the name with \`apt-cache search ${missing[0]}\` or on packages.debian.org (Python libraries are python3-<name>).`;
}

/** Quoted for the chroot's shell line (names are already checked against Debian's and pip's rules). */
const quote = (s: string) => `'${s.replace(/'/g, "'\\''")}'`;

export async function buildOffline(docker: Docker, tag: string, log: Log, extras: Required<ImageExtras> = { debs: [], pip: [] }): Promise<void> {
  if (process.getuid?.() !== 0) throw new CodeActError("sandbox", "The offline kernel image build must run as root (debootstrap and chroot).");
  await ensureDebootstrap(log);
  const mirror = process.env.CODEACT_DEBIAN_MIRROR ?? "http://deb.debian.org/debian";
  const root = mkdtempSync(join("/var/tmp", "codeact-rootfs-"));
  const started = Date.now();
  const step = (msg: string) => log(`[${Math.round((Date.now() - started) / 1000)}s] ${msg}`);
  let procMounted = false;
  try {
    step(`debootstrap ${DEBIAN_SUITE} (minbase) from ${mirror}…`);
    await run("debootstrap", ["--variant=minbase", DEBIAN_SUITE, root, mirror], log, "debootstrap");
    await run("mount", ["-t", "proc", "proc", join(root, "proc")], log, "mount /proc");
    procMounted = true;
    const packages = [...debianPackages(), ...extras.debs, ...(extras.pip.length ? ["python3-pip"] : [])];
    step(`installing ${packages.join(" ")}…`);
    const inChroot = (script: string, what: string, explain?: (tail: string) => string | undefined) => run("chroot", [root, "/bin/sh", "-ec", script], log, what, explain);
    await inChroot(
      `apt-get update -qq && apt-get install -y -qq --no-install-recommends ${packages.map(quote).join(" ")} && apt-get clean`,
      "installing the kernel's Python packages",
      unknownPackage,
    );
    if (extras.pip.length) {
      step(`pip install ${extras.pip.join(" ")}…`);
      // Debian marks its Python as externally managed; this image is ours alone, so pip may add to it.
      await inChroot(
        `python3 -m pip install --no-cache-dir --break-system-packages --root-user-action=ignore --disable-pip-version-check ${extras.pip.map(quote).join(" ")}`,
        "pip install of the image's extra pip packages",
      );
    }
    await inChroot(
      [
        "groupadd -g 1000 sandbox",
        "useradd -u 1000 -g 1000 -d /workspace -M -s /usr/sbin/nologin sandbox",
        "mkdir -p /workspace /kernel",
        "chown 1000:1000 /workspace",
        // Nothing a kernel reads at run time: apt lists, docs, man pages, translations.
        "rm -rf /var/lib/apt/lists/* /var/cache/apt/* /usr/share/doc/* /usr/share/man/* /usr/share/info/* /usr/share/locale/*",
      ].join(" && "),
      "creating the sandbox user",
    );
    await run("umount", [join(root, "proc")], log, "umount /proc");
    procMounted = false;
    step(`importing the root filesystem as ${tag}…`);
    await importRootfs(docker, root, tag);
    step(`built ${tag}`);
  } finally {
    if (procMounted) await run("umount", ["-l", join(root, "proc")], () => undefined, "umount").catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

/** `tar -C root -c . | docker import`, through the engine API so a remote DOCKER_HOST works too. */
async function importRootfs(docker: Docker, root: string, tag: string): Promise<void> {
  const [repo, version] = tag.split(":") as [string, string];
  const tar = spawn("tar", ["-C", root, "--numeric-owner", "-c", "."], { stdio: ["ignore", "pipe", "inherit"] });
  const tarDone = new Promise<void>((resolve, reject) =>
    tar.on("exit", (code) => (code === 0 ? resolve() : reject(new CodeActError("sandbox", `tar of the rootfs exited ${code}`)))),
  );
  const stream = (await docker.importImage(tar.stdout, {
    repo,
    tag: version,
    changes: ["WORKDIR /workspace", "USER 1000:1000", "ENV PYTHONUNBUFFERED=1"],
  } as never)) as unknown as NodeJS.ReadableStream;
  const output = await new Promise<string>((resolve, reject) => {
    let text = "";
    stream.on("data", (d: Buffer) => (text += d.toString()));
    stream.on("end", () => resolve(text));
    stream.on("error", reject);
  });
  await tarDone;
  if (/"error"/.test(output)) throw new CodeActError("sandbox", `docker import failed: ${output.slice(-500)}`);
}
