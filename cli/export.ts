/** `codeact export <thread> --format ipynb|html`. */
import { writeFileSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { resolveCells } from "../checkpoints/artifacts/cells";
import { createCheckpointer } from "../checkpoints/savers";
import { checkThreadId } from "../checkpoints/thread-id";
import { readThreadState } from "../graphs/threads";
import { loadViewFiles } from "../exports/files";
import { viewHtml } from "../exports/html";
import { viewNotebook } from "../exports/notebook";
import { threadView } from "../exports/view";
import { checkOutFile } from "./out-file";
import { checkpointerFromFlags, type RunFlags } from "./run";
import { exportTrajectories, isTrajectoryFormat, WHERE, type Where } from "../exports/trajectory";

export async function exportThread(threadId: string, format: "ipynb" | "html", out: string | undefined, flags: Pick<RunFlags, "checkpoints" | "postgres">): Promise<string> {
  checkThreadId(threadId);
  const store = await createCheckpointer({ ...checkpointerFromFlags(flags as RunFlags), readOnly: true });
  try {
    const stored = await readThreadState(store.saver, threadId);
    // Images and other large outputs are in the artifact store: both formats embed them.
    const view = threadView({ ...stored, cells: await resolveCells(stored.cells, { store: store.artifacts, threadId }) }, threadId);
    // Files the run wrote under /workspace/outputs/: links in HTML, attachments in the notebook.
    const files = await loadViewFiles(view, { store: store.artifacts, threadId });
    const path = resolve(out ?? `${checkThreadId(threadId)}.${format}`);
    writeFileSync(path, format === "ipynb" ? `${JSON.stringify(viewNotebook(view, files), null, 1)}\n` : viewHtml(view, files));
    return path;
  } finally {
    await store.close();
  }
}

export function registerExport(program: Command): void {
  program
    .command("export")
    .argument("[thread]", "thread id")
    .description("write a run as a Jupyter notebook, an HTML page or a training conversation (--all: every run, as JSON lines)")
    .option("--format <format>", "ipynb | html | openai-chat | sharegpt | jsonl", "ipynb")
    .option("--all", "every run in the store, one conversation per line")
    .option("--where <filter>", `with --all: ${WHERE.join(" | ")} (self-debugged: hit an error, then succeeded)`, "all")
    .option("-o, --out <file>", "output path (default <thread>.<format>)")
    .option("--checkpoints <file>", "SQLite checkpoint file")
    .option("--postgres <url>", "Postgres checkpoint store")
    .action(async (thread: string | undefined, opts: { format: string; out?: string; checkpoints?: string; postgres?: string; all?: boolean; where: string }) => {
      if (!WHERE.includes(opts.where as Where)) throw new Error(`--where must be ${WHERE.join(", ")}, not "${opts.where}"`);
      if (opts.all ? thread !== undefined : thread === undefined) throw new Error("Give a thread id (`codeact threads` lists them), or --all for every run.");
      if (thread !== undefined) checkThreadId(thread);
      checkOutFile(opts.out);
      if (opts.all || isTrajectoryFormat(opts.format)) {
        const { path, count } = await exportTrajectories(thread, opts.format, opts.where as Where, opts.out, checkpointerFromFlags(opts));
        if (opts.all) console.error(`${count} conversations`);
        return console.log(path);
      }
      if (opts.format !== "ipynb" && opts.format !== "html") throw new Error(`--format must be ipynb, html, openai-chat, sharegpt or jsonl, not "${opts.format}"`);
      console.log(await exportThread(thread!, opts.format, opts.out, opts));
    });
}
