/**
 * A run as a Jupyter notebook (nbformat 4.5): the task, plan and critiques as markdown cells, each
 * code action as a code cell with its outputs (images included), and the answer. Opens in Jupyter,
 * VS Code or Colab exactly as the kernel saw it.
 */
import type * as nb from "@jupyterlab/nbformat";
import type { Cell } from "../graphs/state/cell";
import { compactionsOf, type Message } from "../graphs/state/message";
import type { CodeActStateValue, Turn } from "../graphs/state/state";
import { allTurns } from "../graphs/state/turns";
import { humanSize } from "../executors/workspace/limits";
import { imageMime } from "./files";

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

function outputsOf(cell: Cell): nb.IOutput[] {
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
function compactionMarkdown(summary: Message): string {
  const by = summary.digest ? "a digest written without the model" : "a summary written by the model";
  return `### Context compacted\n\n*The coder's older turns were replaced by ${by}:*\n\n${text(summary.content).split("\n").map((l) => `> ${l}`).join("\n")}`;
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
function turnOutcome(t: Turn): string {
  return t.answer ? `### Answer\n\n${text(t.answer)}` : `### No answer\n\nThe turn ended with status **${t.status}**. ${text(t.statusDetail)}`;
}

export function toNotebook(state: CodeActStateValue, threadId: string, files: Map<string, Buffer> = new Map()): nb.INotebookContent {
  const cells: nb.ICell[] = [];
  const turns = allTurns(state);
  // A thread with follow-ups: each turn gets its request as a heading, then its cells and its answer.
  const multi = turns.length > 1;
  const planCell = () => markdown("plan", `## Plan\n\n${state.plan.map((s, i) => `${i + 1}. ${text(s.description)}${s.doneCriterion ? ` — *done when:* ${text(s.doneCriterion)}` : ""}`).join("\n")}`);
  cells.push(markdown("task", `# ${text(state.task.split("\n")[0]!)}\n\n${text(state.task)}\n\n*codeact run \`${threadId}\` — status: **${state.status}***${multi ? ` — ${turns.length} turns` : ""}`));
  if (!multi && state.plan.length) cells.push(planCell());
  const compactions = compactionsOf(state.messages);
  for (const turn of turns) {
    let step = -1;
    // Only the current turn's plan is kept; earlier turns' steps are shown by number.
    const plan = turn.current ? state.plan : [];
    if (multi) {
      cells.push(markdown(`turn-${turn.index}`, `## Turn ${turn.index + 1}: ${text(turn.request.split("\n")[0]!)}\n\n${text(turn.request)}`));
      if (turn.current && state.plan.length) cells.push(planCell());
    }
    for (let i = turn.firstCell; i < turn.endCell; i++) {
      const cell = state.cells[i]!;
      for (const [n, c] of compactions.entries()) if (c.afterCells === i) cells.push(markdown(`compaction-${n}`, compactionMarkdown(c.summary)));
      if (cell.step !== step) {
        step = cell.step;
        const s = plan[step];
        cells.push(markdown(`step-${i}`, `### Step ${step + 1}${s ? `: ${text(s.description)}` : ""}`));
      }
      if (cell.attempt > 0) cells.push(markdown(`debug-${i}`, `*Self-debug attempt ${cell.attempt}*`));
      cells.push({
        cell_type: "code",
        id: cell.id,
        execution_count: cell.result.executionCount ?? null,
        metadata: { codeact: { turn: turn.index, step: cell.step, attempt: cell.attempt, status: cell.result.status, duration_ms: Math.round(cell.result.durationMs), edited: cell.edited ?? false, tool_calls: cell.result.toolCalls } },
        source: cell.code,
        outputs: outputsOf(cell),
      } as nb.ICodeCell);
      const kept = filesCell(cell.files, `files-${i}`, files, threadId);
      if (kept) cells.push(kept);
    }
    if (!turn.current) cells.push(markdown(`answer-${turn.index}`, turnOutcome(turn)));
  }
  for (const [n, c] of compactions.entries()) if (c.afterCells >= state.cells.length) cells.push(markdown(`compaction-${n}`, compactionMarkdown(c.summary)));
  if (state.critiques.length) {
    cells.push(markdown("critiques", `## Critiques\n\n${state.critiques.map((c) => `- step ${c.step + 1}: **${c.verdict}**${c.feedback ? ` — ${text(c.feedback)}` : ""}`).join("\n")}`));
  }
  cells.push(markdown("answer", state.answer ? `## Answer\n\n${text(state.answer)}` : `## No answer\n\nThe run ended with status **${state.status}**. ${text(state.statusDetail)}`));
  const named = filesCell(state.answerFiles, "answer-files", files, threadId);
  if (named) cells.push(named);
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { name: "python3", display_name: "Python 3", language: "python" },
      language_info: { name: "python" },
      codeact: { thread_id: threadId, status: state.status, tokens: state.tokens, iterations: state.iterations, turns: turns.length },
    },
    cells,
  };
}
