/**
 * The runtime half of setup: a Docker engine and the kernel image; the local unsandboxed kernel only
 * when asked for (--local) or tested. Writes what it found to $CODEACT_HOME/setup.json.
 * Flags: --quiet, --for-tests, --local (also the local kernel's packages when Docker is there).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { connectDocker, ensureDockerEngine } from "../executors/docker-engine";
import { ensureKernelImage } from "../executors/image";
import { findKernelPython } from "../executors/local";
import { codeactHome, type SetupState, setupStatePath } from "../executors/setup-state";
import { aptEnsure } from "./apt";

const quiet = process.argv.includes("--quiet");
const forTests = process.argv.includes("--for-tests");
/** The local executor was asked for (`npm run setup -- --local`): install its kernel even with Docker. */
const forLocal = process.argv.includes("--local");
const log = (line: string) => console.error(`codeact setup: ${line}`);

/** Quiet: apt's output goes here (named when a step fails), the terminal gets a line per step. */
const aptOptions = { log, logFile: quiet ? join(codeactHome(), "setup.log") : undefined };

function pythonWithIpykernel(): string | undefined {
  try {
    return findKernelPython();
  } catch {
    return undefined;
  }
}

async function main(): Promise<void> {
  const state: SetupState = { docker: false, updatedAt: new Date().toISOString() };
  if (await ensureDockerEngine(log, (packages, why) => aptEnsure(packages, why, aptOptions))) {
    state.docker = true;
    state.image = await ensureKernelImage({ docker: await connectDocker(), log });
  } else {
    log(
      "!!! No Docker engine: runs will FAIL until one answers (start dockerd, rerun `npm run setup` as root, or set DOCKER_HOST). " +
        "Only an explicit `--executor local` runs code without it, in an UNSANDBOXED local kernel with your rights. !!!",
    );
  }
  // The local kernel (94 Debian packages, ~2 minutes) only where it will be used: asked for
  // (`--executor local` is never automatic) or for its tests; a demo with Docker never needs it.
  if (forLocal || forTests) {
    if (!pythonWithIpykernel() || forTests) await aptEnsure(["python3-ipykernel", "python3-matplotlib"], "the local kernel", aptOptions);
  }
  state.localPython = pythonWithIpykernel();
  // Without an engine nothing sandboxed can run: fail (the demo and tests would), unless the local
  // kernel was asked for and works.
  if (!state.docker && !(forLocal && state.localPython)) {
    log(forLocal ? "No Docker engine and no local Python with ipykernel: codeact cannot run code here. Install one of them." : "Setup is incomplete: no Docker engine (see above).");
    process.exitCode = 1;
  }
  if (forTests) await aptEnsure(["python3-nbformat", "postgresql"], "the test suite", aptOptions);
  mkdirSync(dirname(setupStatePath()), { recursive: true });
  writeFileSync(setupStatePath(), JSON.stringify(state, null, 2));
  if (!quiet) log(`ready: ${state.docker ? `Docker kernels (${state.image})` : "local kernel only"}${state.localPython ? `; local python ${state.localPython}` : ""}.`);
}

main().catch((err: Error) => {
  log(err.message);
  process.exit(1);
});
