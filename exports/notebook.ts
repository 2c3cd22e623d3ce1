/**
 * A run as a Jupyter notebook (nbformat 4.5): the task, plan and critiques as markdown cells, each
 * code action as a code cell with its outputs (images included), and the answer. Opens in Jupyter,
 * VS Code or Colab exactly as the kernel saw it.
 */
import type * as nb from "@jupyterlab/nbformat";
import type { Cell } from "../graphs/state/cell";
import type { CodeActStateValue } from "../graphs/state/state";
import { humanSize } from "../executors/workspace/limits";
import { imageMime } from "./files";
import { type ThreadView, threadView, type ViewCell, type ViewCompaction, type ViewEntry, type ViewTurn } from "./view";

/**
 * Run text (task, plan, critiques, answer) is hostile. Jupyter sanitises the HTML of markdown in a
 * notebook it has not signed (untrusted: no script, no handlers), but other viewers may not: "<"
 * and "&" written as entities keep the text as shown and make it no HTML at all. Outputs stay
 * as the kernel produced them, which is what untrusted notebook mode exists to contain.
 */
const text = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

function markdown(id: string, source: string): nb.IMarkdownCell {
  return { cell_type: "markdown", id, metadata: {}, source };
}

function outputsOf(cell: Pick<Cell, "result">): nb.IOutput[] {
  const r = cell.result;
  const outputs: nb.IOutput[] = [];
  if (r.stdout) outputs.push({ output_type: "stream", name: "stdout", text: r.stdout });
  if (r.stderr) outputs.push({ output_type: "stream", name: "stderr", text: r.stderr });
  for (const o of r.results) {
    if (o.kind === "execute_result") {
      outputs.push({ output_type: "execute_result", execution_count: r.executionCount ?? null, data: o.data, metadata: (o.metadata ?? {}) as nb.OutputMetadata });
    } else outputs.push({ output_type: "display_data", data: o.data, metadata: (o.metadata ?? {}) as nb.OutputMetadata });
  }
  if (r.error) outputs.push({ output_type: "error", ename: r.error.ename, evalue: r.error.evalue, traceback: r.error.traceback });
  if (r.status === "died") outputs.push({ output_type: "error", ename: "KernelDied", evalue: `${r.died?.reason}: ${r.died?.detail}`, traceback: [] });
  return outputs;
}

/** Where the coder's older turns were replaced by a summary: what it was told from then on. */
function compactionMarkdown(c: ViewCompaction): string {
  const by = c.digest ? "a digest written without the model" : "a summary written by the model";
  return `### Context compacted\n\n*The coder's older turns were replaced by ${by}:*\n\n${text(c.summary).split("\n").map((l) => `> ${l}`).join("\n")}`;
}

// Backslash-escapes every ASCII punctuation mark that means something in Markdown: a file name shows as typed.
const mdName = (s: string) => text(s).replace(/[\\`*_{}[\]()#+\-.!|~>]/g, (c) => `\\${c}`);

/**
 * The cell's output files as a Markdown cell with attachments (nbformat's way to carry files): PNG
 * and JPEG (by their bytes) shown as images, everything else as application/octet-stream links.
 */
function filesCell(kept: Cell["files"], id: string, files: Map<string, Buffer>, threadId: string): nb.IMarkdownCell | undefined {
  if (!kept?.length) return undefined;
  const attachments: Record<string, Record<string, string>> = {};
  const lines = kept.map((f, n) => {
    const name = f.path.replace(/^outputs\//, "");
    const data = files.get(f.sha256);
    if (!data) return `- ${mdName(f.path)} (${humanSize(f.size)}; not embedded: \`codeact files ${threadId} --get NAME\`)`;
    // Attachment keys are ours (a name may hold anything Markdown would misread); the name is shown beside.
    const key = `file${n + 1}${/\.[A-Za-z0-9]{1,8}$/.exec(name)?.[0] ?? ""}`;
    const image = imageMime(data);
    attachments[key] = { [image ?? "application/octet-stream"]: data.toString("base64") };
    return image ? `- ${mdName(f.path)} (${humanSize(f.size)})\n\n  ![${mdName(name)}](attachment:${key})` : `- [${mdName(f.path)}](attachment:${key}) (${humanSize(f.size)})`;
  });
  return { cell_type: "markdown", id, metadata: {}, source: `**Files kept**\n\n${lines.join("\n")}`, attachments } as nb.IMarkdownCell;
}

/** What came of an earlier turn, under its cells. */
function turnOutcome(t: ViewTurn): string {
  return t.answer ? `### Answer\n\n${text(t.answer)}` : `### No answer\n\nThe turn ended with status **${t.status}**. ${text(t.statusDetail)}`;
}

function codeCell(cell: ViewCell, turn: number): nb.ICodeCell {
  return {
    cell_type: "code",
    id: cell.id,
    execution_count: cell.result.executionCount ?? null,
    metadata: { codeact: { turn, step: cell.step, attempt: cell.attempt, status: cell.result.status, duration_ms: Math.round(cell.result.durationMs), edited: cell.edited, tool_calls: cell.result.toolCalls } },
    source: cell.code,
    outputs: outputsOf(cell),
  } as nb.ICodeCell;
}

/** One view entry as notebook cells (a person's decisions are not shown: the notebook is what ran). */
function entryCells(entry: ViewEntry, turn: number, files: Map<string, Buffer>, threadId: string): nb.ICell[] {
  if (entry.kind === "compaction") return [markdown(`compaction-${entry.index}`, compactionMarkdown(entry))];
  if (entry.kind !== "cell") return [];
  const i = entry.index;
  const kept = filesCell(entry.files, `files-${i}`, files, threadId);
  return [...(entry.attempt > 0 ? [markdown(`debug-${i}`, `*Self-debug attempt ${entry.attempt}*`)] : []), codeCell(entry, turn), ...(kept ? [kept] : [])];
}

export function toNotebook(state: CodeActStateValue, threadId: string, files: Map<string, Buffer> = new Map()): nb.INotebookContent {
  return viewNotebook(threadView(state, threadId), files);
}

export function viewNotebook(view: ThreadView, files: Map<string, Buffer> = new Map()): nb.INotebookContent {
  const { threadId, turns } = view;
  const cells: nb.ICell[] = [];
  // A thread with follow-ups: each turn gets its request as a heading, then its cells and its answer.
  const multi = turns.length > 1;
  const planCell = () => markdown("plan", `## Plan\n\n${view.plan.map((s, i) => `${i + 1}. ${text(s.description)}${s.doneCriterion ? ` — *done when:* ${text(s.doneCriterion)}` : ""}`).join("\n")}`);
  cells.push(markdown("task", `# ${text(view.task.split("\n")[0]!)}\n\n${text(view.task)}\n\n*codeact run \`${threadId}\` — status: **${view.status}***${multi ? ` — ${turns.length} turns` : ""}`));
  if (!multi && view.plan.length) cells.push(planCell());
  for (const turn of turns) {
    if (multi) {
      cells.push(markdown(`turn-${turn.index}`, `## Turn ${turn.index + 1}: ${text(turn.request.split("\n")[0]!)}\n\n${text(turn.request)}`));
      if (turn.current && view.plan.length) cells.push(planCell());
    }
    for (const e of turn.before) cells.push(...entryCells(e, turn.index, files, threadId));
    for (const step of turn.steps) {
      // The heading stands right above the step's first cell; what came before that cell, above it.
      const first = step.entries.findIndex((e) => e.kind === "cell");
      step.entries.forEach((e, n) => {
        if (n === first) cells.push(markdown(`step-${(e as ViewCell).index}`, `### Step ${step.step + 1}${step.description ? `: ${text(step.description)}` : ""}`));
        cells.push(...entryCells(e, turn.index, files, threadId));
      });
    }
    if (!turn.current) cells.push(markdown(`answer-${turn.index}`, turnOutcome(turn)));
  }
  if (view.critiques.length) {
    cells.push(markdown("critiques", `## Critiques\n\n${view.critiques.map((c) => `- step ${c.step + 1}: **${c.verdict}**${c.feedback ? ` — ${text(c.feedback)}` : ""}`).join("\n")}`));
  }
  cells.push(markdown("answer", view.answer ? `## Answer\n\n${text(view.answer)}` : `## No answer\n\nThe run ended with status **${view.status}**. ${text(view.statusDetail)}`));
  const named = filesCell(view.answerFiles, "answer-files", files, threadId);
  if (named) cells.push(named);
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
      language_info: { name: "python" },
      codeact: { thread_id: threadId, status: view.status, tokens: view.tokens, iterations: view.iterations, turns: turns.length },
    },
    cells,
  };
}
