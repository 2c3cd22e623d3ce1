/**
 * Picks and builds an executor by name. "auto" prefers the Docker sandbox and falls back — loudly —
 * to the local unsandboxed kernel only when no Docker engine answers.
 */
import { z } from "zod";
import { dockerAnswers } from "./docker-engine";
import { DockerJupyterExecutor, type DockerExecutorOptions } from "./docker";
import { findKernelPython, LocalJupyterExecutor } from "./local";
import { RemoteJupyterExecutor } from "./remote";
import type { CodeExecutor, StdinHandler } from "./types";
import { ExecutorUnavailableError } from "./types";

export const ExecutorChoiceSchema = z.object({
  kind: z.enum(["auto", "docker", "local", "remote"]).default("auto"),
  remoteUrl: z.string().url().optional(),
  remoteToken: z.string().optional(),
  threadId: z.string().optional(),
  limits: z.custom<DockerExecutorOptions["limits"]>().optional(),
});
export type ExecutorChoice = z.input<typeof ExecutorChoiceSchema>;

export async function createExecutor(choice: ExecutorChoice, tools?: StdinHandler, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<CodeExecutor> {
  const c = ExecutorChoiceSchema.parse(choice);
  switch (c.kind) {
    case "docker":
      return new DockerJupyterExecutor({ tools, threadId: c.threadId, limits: c.limits });
    case "local":
      return new LocalJupyterExecutor({ tools });
    case "remote":
      if (!c.remoteUrl) throw new Error("--executor remote needs --remote-url (a Jupyter Server, Kernel Gateway or Enterprise Gateway URL).");
      return new RemoteJupyterExecutor({ url: c.remoteUrl, token: c.remoteToken ?? process.env.JUPYTER_TOKEN ?? "", tools });
    case "auto": {
      if (await dockerAnswers()) return new DockerJupyterExecutor({ tools, threadId: c.threadId, limits: c.limits });
      try {
        findKernelPython();
      } catch (err) {
        throw new ExecutorUnavailableError("No Docker engine answers and no local ipykernel was found.", (err as ExecutorUnavailableError).hint ?? "");
      }
      warn("codeact: !!! No Docker engine answers: falling back to the LOCAL kernel, which is NOT a sandbox. Start Docker (or run `npm run setup`) for sandboxed runs. !!!");
      return new LocalJupyterExecutor({ tools, quiet: true });
    }
  }
}
