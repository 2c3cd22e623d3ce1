/**
 * What a person (or a program, with --json) sees while a run goes: plan, each code action, its
 * output as it streams, saved plots, self-debug turns, critic verdicts, the answer.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import ora, { type Ora } from "ora";
import pc from "picocolors";
import type { CodeActEvent } from "../graphs/state/events";
import type { Cell } from "../graphs/state/cell";
import { inert, inertJson } from "../exports/inert";
import { isBase64, isInertSvg } from "../exports/media";
import { userTraceback } from "../exports/traceback";

/**
 * Where the error happened, for the terminal: the traceback's frames (codeact's glue left out)
 * without IPython's banner and the exception line the ✗ line already shows; the last lines only.
 */
function tracebackLines(traceback: string[]): string[] {
  const frames = userTraceback(traceback).filter((f, i, all) => i !== all.length - 1 && !/^-{20,}$/.test(f) && !/Traceback \(most recent call last\)/.test(f));
  return frames.join("\n").split("\n").filter((l) => l.trim()).slice(-12);
}

export interface Renderer {
  (event: CodeActEvent): void;
  /**
   * The turn ended without a last event (paused, failed): a spinner still turning would keep the
   * process alive (its timer) and cover the next prompt.
   */
  stop?(): void;
}

/**
 * Writes the cell's images to `dir` and returns their paths (plots survive the terminal). The data
 * is hostile: an SVG that could run script or reach the network when opened is saved as .svg.txt,
 * and binary images that are not base64 are not saved.
 */
export function saveImages(cell: Cell, dir: string): string[] {
  const paths: string[] = [];
  cell.result.results.forEach((o, i) => {
    for (const [mime, ext] of [["image/png", "png"], ["image/jpeg", "jpg"], ["image/svg+xml", "svg"]] as const) {
      const data = o.data[mime];
      if (typeof data !== "string" || !data) continue;
      const svg = mime === "image/svg+xml";
      if (!svg && !isBase64(data)) continue;
      mkdirSync(dir, { recursive: true });
      const path = resolve(join(dir, `${cell.id.slice(0, 8)}-${i}.${svg && !isInertSvg(data) ? "svg.txt" : ext}`));
      writeFileSync(path, svg ? data : Buffer.from(data, "base64"));
      paths.push(path);
    }
  });
  return paths;
}

/**
 * One JSON object per line on stdout; images are saved and referenced by path instead of inlined.
 * Every line carries the thread id and its time (`thread`, `ts`), so a consumer reading several
 * runs' output at once, or a log, can tell them apart and order them.
 */
export function jsonRenderer(imageDir: string, threadId?: string, out: NodeJS.WritableStream = process.stdout): Renderer {
  const envelope = () => ({ ...(threadId === undefined ? {} : { thread: threadId }), ts: new Date().toISOString() });
  return (event) => {
    if (event.type === "cell") {
      const images = saveImages(event.cell, imageDir);
      const results = event.cell.result.results.map((o) => ({ ...o, data: Object.fromEntries(Object.entries(o.data).filter(([m]) => !m.startsWith("image/"))) }));
      out.write(`${inertJson(JSON.stringify({ ...event, cell: { ...event.cell, result: { ...event.cell.result, results } }, images, ...envelope() }))}\n`);
    } else out.write(`${inertJson(JSON.stringify({ ...event, ...envelope() }))}\n`);
  };
}

const indent = (text: string, prefix: string) => inert(text).replace(/\n$/, "").split("\n").map((l) => prefix + l).join("\n");

export function terminalRenderer(imageDir: string, out: NodeJS.WritableStream = process.stdout): Renderer {
  const tty = Boolean((out as NodeJS.WriteStream).isTTY);
  let spinner: Ora | undefined;
  let streaming = false;
  const stop = () => {
    spinner?.stop();
    spinner = undefined;
  };
  const line = (text = "") => {
    stop();
    if (streaming) {
      out.write("\n");
      streaming = false;
    }
    out.write(`${text}\n`);
  };
  const render = (event: CodeActEvent) => {
    switch (event.type) {
      case "thinking":
        stop();
        // discardStdin would pause stdin and leave it in raw mode under the approval prompt's line
        // reader, so the next answer typed at a terminal never arrives.
        if (tty) spinner = ora({ text: pc.dim(`${event.role} is thinking…`), stream: out as NodeJS.WriteStream, discardStdin: false }).start();
        break;
      case "turn":
        // The first request is what the user just typed; a follow-up is announced with its turn.
        if (event.index > 0) line(pc.bold(`Turn ${event.index + 1}: `) + inert(event.request.split("\n")[0]!.slice(0, 200)));
        break;
      case "plan":
        line(pc.bold(event.replan ? "\nNew plan" : "Plan"));
        event.steps.forEach((s, i) => line(`  ${i + 1}. ${inert(s.description)}${s.doneCriterion ? pc.dim(`  (done when: ${inert(s.doneCriterion)})`) : ""}`));
        break;
      case "action":
        line(pc.cyan(`\n▶ step ${event.step + 1}${event.attempt ? ` · retry ${event.attempt}` : ""}`) + (event.thought ? pc.dim(`  ${inert(event.thought.split("\n")[0]!.slice(0, 100))}`) : ""));
        line(pc.dim(indent(event.code, "  │ ")));
        break;
      case "output":
        if (event.event.type === "stream") {
          stop();
          const text = inert(event.event.text);
          out.write(event.event.name === "stderr" ? pc.yellow(text) : text);
          streaming = !text.endsWith("\n");
        }
        break;
      case "cell": {
        const r = event.cell.result;
        for (const o of r.results) if (o.kind === "execute_result" && o.data["text/plain"] && !o.data["image/png"]) line(`Out: ${inert(String(o.data["text/plain"]))}`);
        for (const path of saveImages(event.cell, imageDir)) line(pc.magenta(`  plot saved: ${path}`));
        for (const note of event.cell.notes ?? []) line(pc.yellow(`  note: ${inert(note)}`));
        for (const call of r.toolCalls) line(pc.dim(`  tool ${inert(call.name)}(${inert(JSON.stringify(call.args) ?? "").slice(0, 80)}) ${call.error ? pc.red(`failed: ${inert(call.error)}`) : "ok"}`));
        if (r.status === "ok") line(pc.green(`  ✓ ok`) + pc.dim(` ${Math.round(r.durationMs)} ms`));
        else if (r.status === "error") {
          line(pc.red(`  ✗ ${inert(`${r.error?.ename}: ${r.error?.evalue}`)}`));
          const where = tracebackLines(r.error?.traceback ?? []);
          if (where.length) line(pc.dim(indent(inert(where.join("\n")), "  ┆ ")));
        }
        else line(pc.red(`  ✗ ${r.status}: ${inert(r.died?.detail ?? r.error?.evalue ?? "")}`));
        break;
      }
      case "file":
        line(pc.magenta(`  file kept: /workspace/${inert(event.path)} (${event.size} bytes)`));
        break;
      case "rehydrated":
        line(pc.dim(`Kernel rehydrated: ${event.replayed} cells replayed${event.failed ? `, ${event.failed} failed on replay` : ""} in ${Math.round(event.durationMs)} ms.`));
        for (const d of event.diverged ?? []) line(pc.yellow(`  ⚠ replayed cell of step ${d.step + 1} ${d.kind === "ended" ? "ended differently" : "printed different output"}: was ${inert(JSON.stringify(d.recorded))}, now ${inert(JSON.stringify(d.replayed))}`));
        break;
      case "self_debug":
        line(pc.yellow(`  ↻ self-debug: back to the coder (attempt ${event.attempt})`));
        break;
      case "invalid_output":
        line(pc.yellow(`⚠ unusable model reply (${event.count}): ${inert(event.reason)}`));
        break;
      case "proposed_answer":
        line(pc.cyan(`\nproposed answer: `) + inert(event.answer));
        break;
      case "critique":
        line(`${pc.blue(`critic: ${event.verdict}`)}${event.feedback ? pc.dim(` — ${inert(event.feedback)}`) : ""}`);
        break;
      case "compaction":
        line(pc.dim(`context compacted: ${event.replaced} earlier messages → one summary${event.digest ? ` written without the model (${inert(event.reason ?? "")})` : ""}; ${event.kept} kept; ${event.charsBefore} → ${event.charsAfter} chars`));
        break;
      case "finished":
        stop();
        if (event.status === "done") line(`\n${pc.bold(pc.green("Answer:"))} ${inert(event.answer ?? "")}`);
        else line(`\n${pc.bold(pc.red(`Stopped (${event.status}):`))} ${inert(event.detail)}`);
        break;
    }
  };
  return Object.assign(render, { stop });
}
