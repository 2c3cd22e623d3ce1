/**
 * Input files made read-only where the kernel reads them: written into a folder on this host (the
 * local kernel's, or the one bind-mounted into a Docker sandbox), or, for a kernel whose disk is
 * reachable only through a server, locked by Python run in the kernel itself.
 */
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve, sep } from "node:path";
import { checkInputName, type InputFile, InputError, INPUTS_DIR } from "./inputs";
import { quotedName } from "./names";

/**
 * Writes `files` under `root` (created when missing), files 0444. With `lockDirs` the folders end
 * 0555, so the owner's ordinary writes fail too; `unlockInputsTree` opens them again for the next
 * write or the removal. Names must have passed `checkInputFiles`; the checks here are a second guard.
 */
export function writeInputsTree(root: string, files: InputFile[], lockDirs: boolean): void {
  const top = resolve(root);
  if (lockDirs) unlockInputsTree(top);
  mkdirSync(top, { recursive: true, mode: 0o755 });
  for (const f of files) {
    checkInputName(f.name);
    const target = resolve(top, f.name);
    if (!target.startsWith(top + sep)) throw new InputError(`Input file name ${quotedName(f.name)} is refused: it leaves the inputs folder.`);
    mkdirSync(dirname(target), { recursive: true, mode: 0o755 });
    rmSync(target, { force: true, recursive: true });
    writeFileSync(target, f.data, { mode: 0o444 });
    chmodSync(target, 0o444);
  }
  if (lockDirs) setDirModes(top, 0o555);
}

function setDirModes(dir: string, mode: number): void {
  let st;
  try {
    st = lstatSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory()) return;
  chmodSync(dir, mode);
  for (const entry of readdirSync(dir)) setDirModes(join(dir, entry), mode);
}

/** Makes a locked inputs tree writable to its owner again (before more inputs, or its removal). */
export function unlockInputsTree(root: string): void {
  setDirModes(resolve(root), 0o755);
}

const INPUTS_MODE_SOURCE = readFileSync(join(__dirname, "inputs_mode.py"), "utf8");

/** Python, run in the kernel, that makes its inputs/ folder read-only (files 0444, folders 0555) or writable again. */
export function inputsModeCode(lock: boolean): string {
  return `${INPUTS_MODE_SOURCE}\n__codeact_inputs_mode(${JSON.stringify(INPUTS_DIR)}, ${lock ? "True" : "False"})\ndel __codeact_inputs_mode`;
}
