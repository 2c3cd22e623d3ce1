/**
 * The built command as a linked or installed bin runs it: `npm run build` and `npm pack` (whose
 * prepack builds again) leave dist/cli/main.js executable, on disk and in the tarball, and the file
 * itself answers `--version` with the package's version. Built in a copy of the sources, so the
 * clone's own dist/ is left as it was.
 */
import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(__dirname, "..", "..");
const BUILD_MS = 10 * 60_000;

function run(cmd: string, args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

describe("the built bin", () => {
  let work: string;
  let copy: string;
  const version = (JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string }).version;

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "codeact-build-"));
    copy = join(work, "codeact");
    // Everything but dist/, node_modules and the VCS: the build sees what a clone has.
    cpSync(root, copy, { recursive: true, filter: (src) => !/[\\/](dist|node_modules|\.git|coverage|\.codeact)$/.test(src) });
    symlinkSync(join(root, "node_modules"), join(copy, "node_modules"));
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("npm run build, then npm pack (a second build): dist/cli/main.js stays executable and prints the version", async () => {
    const build = await run("npm", ["run", "build"], copy);
    expect({ code: build.code, stderr: build.code === 0 ? "" : build.stderr }).toEqual({ code: 0, stderr: "" });
    const bin = join(copy, "dist", "cli", "main.js");
    expect((statSync(bin).mode & 0o111).toString(8)).toBe("111");

    const pack = await run("npm", ["pack", "--json", "--pack-destination", work], copy);
    expect({ code: pack.code, stderr: pack.code === 0 ? "" : pack.stderr }).toEqual({ code: 0, stderr: "" });
    expect((statSync(bin).mode & 0o111).toString(8)).toBe("111");
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
    expect(tarball).toBeDefined();
    const listing = await run("tar", ["-tvzf", join(work, tarball!)], work);
    const line = listing.stdout.split("\n").find((l) => l.endsWith(" package/dist/cli/main.js"));
    expect(line).toMatch(/^-rwxr-xr-x /);

    // Run as a bin is run: the file itself, through its #! line.
    const v = await run(bin, ["--version"], work);
    expect({ code: v.code, stdout: v.stdout, stderr: v.stderr }).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
  }, BUILD_MS);
});
