import Docker from "dockerode";
import { ensureKernelImage, kernelImageName, recipeHash, smokeTest } from "../../executors/image";
import { debianPackages } from "../../executors/image/recipe";

const docker = new Docker();

describe("kernel image", () => {
  it("is named after its recipe, so it is rebuilt exactly when the recipe changes", () => {
    expect(recipeHash()).toMatch(/^[0-9a-f]{64}$/);
    expect(recipeHash()).toBe(recipeHash());
    expect(kernelImageName()).toBe(`codeact-kernel:${recipeHash().slice(0, 12)}`);
    expect(debianPackages()).toEqual(expect.arrayContaining(["python3-ipykernel", "python3-sklearn", "python3-jupyter-server"]));
  });

  it("is found, not rebuilt, when it exists (setup built it before the suite)", async () => {
    const t = Date.now();
    const lines: string[] = [];
    const name = await ensureKernelImage({ docker, log: (l) => lines.push(l) });
    expect(name).toBe(kernelImageName());
    expect(Date.now() - t).toBeLessThan(2000);
    expect(lines).toEqual([]);
    const latest = await docker.getImage("codeact-kernel:latest").inspect();
    expect(latest.Id).toBe((await docker.getImage(name).inspect()).Id);
  });

  it("imports the kernel and data-science stack as uid 1000 with no network and a read-only root", async () => {
    await expect(smokeTest(docker, kernelImageName())).resolves.toBeUndefined();
  });

  it("smoke test rejects an image that lacks the stack", async () => {
    // A throwaway image from the kernel image's own rootfs minus ipykernel's package dir.
    const base = kernelImageName();
    const c = await docker.createContainer({ Image: base, User: "0", Cmd: ["sh", "-c", "rm -rf /usr/lib/python3/dist-packages/ipykernel"] });
    await c.start();
    await c.wait();
    const broken = `codeact-kernel-broken-test:${process.pid}`;
    await c.commit({ repo: broken.split(":")[0], tag: String(process.pid) });
    await c.remove({ force: true });
    try {
      await expect(smokeTest(docker, broken)).rejects.toThrow(/broken.*ipykernel/s);
    } finally {
      await docker.getImage(broken).remove({ force: true });
    }
  });
});
