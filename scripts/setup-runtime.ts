/**
 * The runtime half of setup: a Docker engine and the kernel image, or — loudly — the local
 * unsandboxed kernel when no engine can be had. Writes what it found to $CODEACT_HOME/setup.json.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { connectDocker, ensureDockerEngine } from "../executors/docker-engine";
import { ensureKernelImage } from "../executors/image";
import { findKernelPython } from "../executors/local";
import { type SetupState, setupStatePath } from "../executors/setup-state";

const quiet = process.argv.includes("--quiet");
const forTests = process.argv.includes("--for-tests");
const log = (line: string) => console.error(`codeact setup: ${line}`);

const canApt = process.getuid?.() === 0 && existsSync("/usr/bin/apt-get");
let aptUpdated = false;

/** Installs Debian packages that are missing, as root only; says what it does. */
function aptEnsure(packages: string[], why: string): boolean {
  const missing = packages.filter((p) => spawnSync("dpkg-query", ["-W", "-f=${Status}", p], { encoding: "utf8" }).stdout?.includes("install ok installed") !== true);
  if (missing.length === 0) return true;
  if (!canApt) {
    log(`${why} needs ${missing.join(", ")}; install them (apt-get install ${missing.join(" ")}).`);
    return false;
  }
  log(`installing ${missing.join(", ")} (${why})…`);
  if (!aptUpdated) {
    spawnSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    aptUpdated = true;
  }
  const r = spawnSync("apt-get", ["install", "-y", "-qq", ...missing], { stdio: "inherit", env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } });
  return r.status === 0;
}

function pythonWithIpykernel(): string | undefined {
  try {
    return findKernelPython();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const state: SetupState = { docker: false, updatedAt: new Date().toISOString() };
  if (await ensureDockerEngine(log)) {
    state.docker = true;
    state.image = await ensureKernelImage({ docker: await connectDocker(), log });
  } else {
    log(
      "!!! No Docker engine: runs will FAIL until one answers (start dockerd, rerun `npm run setup` as root, or set DOCKER_HOST). " +
        "Only an explicit `--executor local` runs code without it, in an UNSANDBOXED local kernel with your rights. !!!",
    );
  }
  // The local kernel (explicit `--executor local` only) is set up too: its tests run everywhere.
  if (!pythonWithIpykernel() || forTests) aptEnsure(["python3-ipykernel", "python3-matplotlib"], "the local kernel");
  state.localPython = pythonWithIpykernel();
  if (!state.docker && !state.localPython) {
    log("Neither Docker nor a local Python with ipykernel is available: codeact cannot run code here. Install one of them.");
    process.exitCode = 1;
  }
  if (forTests) aptEnsure(["python3-nbformat", "postgresql"], "the test suite");
  mkdirSync(dirname(setupStatePath()), { recursive: true });
  writeFileSync(setupStatePath(), JSON.stringify(state, null, 2));
  if (!quiet) log(`ready: ${state.docker ? `Docker kernels (${state.image})` : "local kernel only"}${state.localPython ? `; local python ${state.localPython}` : ""}.`);
}

main().catch((err: Error) => {
  log(err.message);
  process.exit(1);
});
