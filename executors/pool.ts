/**
 * A warm pool of started kernels, so a run gets one in milliseconds instead of a cold start.
 * Kernels are never handed out twice: a returned kernel carries its run's state, so it is shut
 * down and the pool refills with a fresh one in the background.
 */
import { z } from "zod";
import type { CodeExecutor, StdinHandler } from "./types";
import { CodeActError } from "../errors";

export const PoolOptionsSchema = z.object({
  /** Kernels kept started and idle; 0 disables the pool (acquire starts one on demand). */
  size: z.number().int().min(0).default(2),
});
export type PoolOptions = z.input<typeof PoolOptionsSchema>;

export class KernelPool {
  private readonly size: number;
  private readonly ready: CodeExecutor[] = [];
  private readonly warming = new Set<Promise<void>>();
  private readonly leased = new Set<CodeExecutor>();
  private closed = false;
  /** Errors from background warm-ups, surfaced on the next acquire instead of being lost. */
  private lastError: Error | undefined;

  constructor(
    private readonly create: () => CodeExecutor,
    options: PoolOptions = {},
  ) {
    this.size = PoolOptionsSchema.parse(options).size;
    this.fill();
  }

  get idle(): number {
    return this.ready.length;
  }

  /** Resolves when the pool holds `size` started kernels (or a warm-up failed). */
  async warm(): Promise<void> {
    while (this.warming.size > 0) await Promise.all([...this.warming]);
    if (this.lastError && this.ready.length === 0 && this.size > 0) throw this.lastError;
  }

  private fill(): void {
    while (!this.closed && this.ready.length + this.warming.size < this.size) {
      const ex = this.create();
      const job: Promise<void> = ex
        .start()
        .then(() => {
          if (this.closed) return ex.shutdown();
          this.ready.push(ex);
          this.lastError = undefined;
        })
        .catch(async (err: Error) => {
          this.lastError = err;
          await ex.shutdown().catch(() => undefined);
        })
        .finally(() => {
          this.warming.delete(job);
        });
      this.warming.add(job);
      // Do not spin on a broken engine: a failed warm-up is refilled only by the next acquire.
      if (this.lastError) break;
    }
  }

  /** A started kernel, with `tools` installed when given. The caller must `release` it. */
  async acquire(tools?: StdinHandler): Promise<CodeExecutor> {
    if (this.closed) throw new CodeActError("usage", "The kernel pool is closed.");
    let ex = this.ready.shift();
    if (!ex) {
      ex = this.create();
      await ex.start();
    }
    this.leased.add(ex);
    this.fill();
    if (tools) {
      if (!ex.setStdinHandler) throw new CodeActError("usage", `Executor ${ex.id} cannot take tools after start.`);
      await ex.setStdinHandler(tools);
    }
    return ex;
  }

  /** Ends a leased kernel; the pool has already started its replacement. */
  async release(ex: CodeExecutor): Promise<void> {
    this.leased.delete(ex);
    await ex.shutdown();
  }

  /** Shuts down idle and leased kernels. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.warming]);
    const all = [...this.ready.splice(0), ...this.leased];
    this.leased.clear();
    await Promise.all(all.map((ex) => ex.shutdown().catch(() => undefined)));
  }

  /** `await using pool = new KernelPool(…)` closes it at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}
