/** `codeact image build [--force]`: the kernel image for the current recipe, built once. */
import type { Command } from "commander";
import { connectDocker } from "../executors/docker-engine";
import { ensureKernelImage, kernelImageName } from "../executors/image";

export function registerImage(program: Command): void {
  const image = program.command("image").description("manage the kernel image");
  image
    .command("build")
    .description("build the kernel image (from the Dockerfile when a registry answers, else offline from Debian packages)")
    .option("--force", "rebuild even if an image for the current recipe exists")
    .action(async (opts: { force?: boolean }) => {
      const docker = await connectDocker();
      const name = await ensureKernelImage({ docker, force: opts.force, log: (l) => console.error(l) });
      console.log(name);
    });
  image
    .command("name")
    .description("print the image name for the current recipe")
    .action(() => console.log(kernelImageName()));
}
