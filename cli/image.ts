/**
 * `codeact image build [--with debs] [--pip spec] [--no-extras] [--force]`: the kernel image for
 * the current recipe (plus the user's packages), built once. The packages a build adds become the
 * image every later run uses ($CODEACT_HOME/image.json), until the next build says otherwise.
 */
import type { Command } from "commander";
import { connectDocker } from "../executors/docker-engine";
import { ensureKernelImage, kernelImageName, recordedExtras, recordExtras } from "../executors/image";
import { normalizeExtras } from "../executors/image/recipe";
import { UsageError } from "./flags";

const list = (value: string, previous: string[] = []) => [...previous, ...value.split(",").map((s) => s.trim()).filter(Boolean)];
const each = (value: string, previous: string[] = []) => [...previous, value.trim()];

interface BuildFlags {
  force?: boolean;
  with?: string[];
  pip?: string[];
  extras: boolean;
}

export function registerImage(program: Command): void {
  const image = program.command("image").description("manage the kernel image");
  image
    .command("build")
    .description("build the kernel image (from the Dockerfile when a registry answers, else offline from Debian packages); with --with/--pip, an image with more packages that later runs use")
    .option("--force", "rebuild even if an image for the current recipe exists")
    .option("--with <debs>", "Debian packages to add, comma-separated (e.g. python3-scipy,python3-statsmodels; find names with apt-cache search python3-)", list)
    .option("--pip <requirement>", "a pip requirement to add (e.g. requests==2.32.3; repeat for more); needs a reachable Python index (PIP_INDEX_URL)", each)
    .option("--no-extras", "build the default image and make runs use it again (forget earlier --with/--pip)")
    .action(async (opts: BuildFlags) => {
      if (!opts.extras && (opts.with || opts.pip)) throw new UsageError("--no-extras cannot be combined with --with or --pip.");
      // No flags: the image runs use now (earlier extras kept), so a rebuild after an upgrade keeps them.
      const earlier = opts.extras ? recordedExtras() : undefined;
      const extras = normalizeExtras(opts.with || opts.pip ? { debs: opts.with, pip: opts.pip } : (earlier ?? {}));
      if (!opts.with && !opts.pip && earlier && extras.debs.length + extras.pip.length) {
        console.error(`with the packages added earlier: ${[...extras.debs, ...extras.pip].join(" ")} (--no-extras for the default image)`);
      }
      const docker = await connectDocker();
      const name = await ensureKernelImage({ docker, force: opts.force, extras, log: (l) => console.error(l) });
      recordExtras(extras);
      if (extras.debs.length + extras.pip.length) console.error(`later runs use ${name} (codeact image build --no-extras goes back to the default image)`);
      if (process.env.CODEACT_IMAGE) console.error(`note: CODEACT_IMAGE=${process.env.CODEACT_IMAGE} is set and wins over the image built here`);
      console.log(name);
    });
  image
    .command("name")
    .description("print the name of the image runs use")
    .action(() => console.log(kernelImageName()));
}
