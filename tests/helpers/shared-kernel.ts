/**
 * One started kernel for the describes of a file that need a working kernel, not a fresh one: a
 * start costs seconds (a container, a kernel process), and most contract tests only ask that the
 * kernel answers. A test that checks a fresh kernel, isolation, limits or a crash makes its own.
 * Call it inside a describe, so the kernel stops before hooks of outer scopes (a server) do.
 */
import type { CodeExecutor } from "../../executors/types";

export function sharedKernel(make: () => CodeExecutor, timeoutMs = 60_000): () => CodeExecutor {
  let ex: CodeExecutor | undefined;
  beforeAll(async () => {
    ex = make();
    await ex.start();
  }, timeoutMs);
  afterAll(async () => {
    await ex?.shutdown();
  });
  return () => {
    if (!ex) throw new Error("sharedKernel: the kernel is not started (used outside its describe?)");
    return ex;
  };
}
