/**
 * Extra packages in the kernel image: `codeact image build --with <debian packages>` and `--pip`.
 * The last test is slow but real: it builds an image offline from Debian packages (debootstrap,
 * apt in a chroot, docker import: minutes) with one extra package, then a kernel imports it.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { DockerJupyterExecutor } from "../../executors/docker";
import { imageExists } from "../../executors/image";
import { unknownPackage } from "../../executors/image/offline";
import { checkPipIndex } from "../../executors/image/pip-index";
import { kernelImageName, normalizeExtras, recipeHash, recipeImageName } from "../../executors/image/recipe";
import { codeact } from "../cli/helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

describe("kernel image extras", () => {
  let home: string;
  const saved = process.env.CODEACT_HOME;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-image-extras-"));
    process.env.CODEACT_HOME = home;
  });
  afterEach(() => {
    if (saved === undefined) delete process.env.CODEACT_HOME;
    else process.env.CODEACT_HOME = saved;
    rmSync(home, { recursive: true, force: true });
  });

  it("the recipe hash includes the extras, and is the default image's own hash without them", () => {
    const plain = recipeHash();
    expect(recipeHash({})).toBe(plain);
    expect(recipeHash({ debs: [], pip: [] })).toBe(plain);
    // Packages the default image has anyway do not make another image.
    expect(recipeHash({ debs: ["python3-numpy", "python3-pandas"] })).toBe(plain);
    expect(recipeHash({ debs: ["python3-tabulate"] })).not.toBe(plain);
    expect(recipeHash({ debs: ["python3-scipy", "python3-statsmodels"] })).toBe(recipeHash({ debs: ["python3-statsmodels", "python3-scipy", "python3-scipy"] }));
    expect(recipeHash({ pip: ["requests==2.32.3"] })).not.toBe(recipeHash({ pip: ["requests==2.32.2"] }));
    expect(kernelImageName()).toBe(recipeImageName());
    expect(recipeImageName({ debs: ["python3-tabulate"] })).toMatch(/^codeact-kernel:[0-9a-f]{12}$/);
  });

  it.each(["python3-x; rm -rf /", "$(id)", "Python3-Scipy", "-o", "a b"])("refuses %j as a Debian package name", (name) => {
    expect(() => normalizeExtras({ debs: [name] })).toThrow(/is not a Debian package name.*apt-cache search/);
  });

  it.each(["requests; id", "pkg==1.0 && id", "--index-url=http://evil", "x'y"])("refuses %j as a pip requirement", (spec) => {
    expect(() => normalizeExtras({ pip: [spec] })).toThrow(/is not a pip requirement codeact accepts/);
  });

  it("accepts usual pip requirements", () => {
    expect(normalizeExtras({ pip: ["requests==2.32.3", "httpx[http2]>=0.27,<1", "tqdm"] }).pip).toEqual(["httpx[http2]>=0.27,<1", "requests==2.32.3", "tqdm"]);
  });

  it("apt's 'Unable to locate package' becomes a sentence naming the package and how to find the right name", () => {
    const tail = "Reading package lists...\nE: Unable to locate package python3-scipyy\nE: Unable to locate package python3-nope\n";
    expect(unknownPackage(tail)).toBe("Debian bookworm has no package named python3-scipyy, python3-nope. Check the name with `apt-cache search python3-scipyy` or on packages.debian.org (Python libraries are python3-<name>).");
    expect(unknownPackage("E: Sub-process /usr/bin/dpkg returned an error code (1)")).toBeUndefined();
  });

  it("--pip with no Python index reachable fails at once with what to do, and builds nothing", async () => {
    await expect(checkPipIndex({ PIP_INDEX_URL: "http://127.0.0.1:9/simple" })).rejects.toThrow(/pip packages need a Python package index, and http:\/\/127\.0\.0\.1:9\/simple cannot be reached.*PIP_INDEX_URL.*python3-<name>/);
    const r = await codeact(["image", "build", "--pip", "tabulate==0.9.0"], { CODEACT_HOME: home, PIP_INDEX_URL: "http://127.0.0.1:9/simple" });
    expect(r.code).toBe(EXIT_CODES.sandbox);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^codeact: --pip needs a Python package index, and http:\/\/127\.0\.0\.1:9\/simple cannot be reached/)]);
    expect(existsSync(join(home, "image.json"))).toBe(false);
    const bad = await codeact(["image", "build", "--with", "python3-ok,bad;name"], { CODEACT_HOME: home });
    expect(bad.code).toBe(EXIT_CODES.usage);
    expect(bad.stderr).toMatch(/codeact: "bad;name" is not a Debian package name/);
  }, 60_000);

  it("(slow: builds an image) --with python3-tabulate: built offline, named by its recipe, used by later runs until --no-extras", async () => {
    const docker = new Docker();
    const name = recipeImageName({ debs: ["python3-tabulate"] });
    const existed = await imageExists(docker, name);
    const started = Date.now();
    const build = await codeact(["image", "build", "--with", "python3-tabulate"], { CODEACT_HOME: home, CODEACT_IMAGE: "" });
    const seconds = Math.round((Date.now() - started) / 1000);
    process.stderr.write(`image-extras: codeact image build --with python3-tabulate took ${seconds} s (${existed ? "image already there" : "built"})\n`);
    expect(build.stderr).not.toMatch(/codeact: /);
    expect(build.code).toBe(0);
    expect(build.stdout.trim()).toBe(name);
    expect(build.stderr).toContain(`later runs use ${name}`);
    expect(JSON.parse(readFileSync(join(home, "image.json"), "utf8"))).toMatchObject({ debs: ["python3-tabulate"], pip: [] });
    // "latest" stays the default image.
    expect((await docker.getImage("codeact-kernel:latest").inspect()).Id).toBe((await docker.getImage(recipeImageName()).inspect()).Id);

    // Later runs (here the library's executor, with no image option) use the recorded image.
    expect(kernelImageName()).toBe(name);
    expect((await codeact(["image", "name"], { CODEACT_HOME: home, CODEACT_IMAGE: "" })).stdout.trim()).toBe(name);
    const executor = new DockerJupyterExecutor();
    try {
      expect(executor.image).toBe(name);
      const r = await executor.execute("import tabulate, numpy\nprint(tabulate.tabulate([[1, 2]], headers=['a', 'b'], tablefmt='plain'))");
      expect(r.error).toBeUndefined();
      expect(r.stdout).toMatch(/a\s+b\n\s*1\s+2/);
    } finally {
      await executor.shutdown();
    }

    // Back to the default image: found at once, the record gone.
    const back = await codeact(["image", "build", "--no-extras"], { CODEACT_HOME: home, CODEACT_IMAGE: "" });
    expect(back.code).toBe(0);
    expect(back.stdout.trim()).toBe(recipeImageName());
    expect(existsSync(join(home, "image.json"))).toBe(false);
    expect(kernelImageName()).toBe(recipeImageName());
  }, 40 * 60_000);
});
