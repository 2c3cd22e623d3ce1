/**
 * Picks and builds an executor by name. "auto" means the Docker sandbox: when no engine answers it
 * fails with how to get one. It never falls back to the local kernel, which is not a sandbox (the
 * model's code could read this process's environment, API keys included): that is only ever an
 * explicit `--executor local`.
 */
import { z } from "zod";
import { connectDocker } from "./docker-engine";
import { DockerJupyterExecutor, type DockerExecutorOptions } from "./docker";
import { ExecutorKindSchema } from "./kind";
import { LocalJupyterExecutor } from "./local";
import { RemoteJupyterExecutor } from "./remote";
import type { CodeExecutor, StdinHandler } from "./types";
import { CodeActError } from "../errors";

export const ExecutorChoiceSchema = z.object({
  kind: ExecutorKindSchema.default("auto"),
  remoteUrl: z.string().url().optional(),
  remoteToken: z.string().optional(),
  threadId: z.string().optional(),
  limits: z.custom<DockerExecutorOptions["limits"]>().optional(),
});
export type ExecutorChoice = z.input<typeof ExecutorChoiceSchema>;

export async function createExecutor(choice: ExecutorChoice, tools?: StdinHandler, warn?: (line: string) => void): Promise<CodeExecutor> {
  const c = ExecutorChoiceSchema.parse(choice);
  switch (c.kind) {
    case "docker":
      return new DockerJupyterExecutor({ tools, threadId: c.threadId, limits: c.limits });
    case "local":
      return new LocalJupyterExecutor({ tools, warn });
    case "remote":
      if (!c.remoteUrl) throw new CodeActError("usage", "The remote executor needs a server URL:", { hint: "give remoteUrl (a Jupyter Server, Kernel Gateway or Enterprise Gateway URL).", step: "set_remote_url" });
      return new RemoteJupyterExecutor({ url: c.remoteUrl, token: c.remoteToken ?? process.env.JUPYTER_TOKEN ?? "", tools });
    case "auto":
      // connectDocker's error already says how to get an engine, and that `--executor local` is
      // the explicit, unsandboxed alternative.
      return new DockerJupyterExecutor({ tools, threadId: c.threadId, limits: c.limits, docker: await connectDocker() });
  }
}
