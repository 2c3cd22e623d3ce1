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
import { userTraceback } from "./traceback";
import { type ThreadView, threadView, turnEntries, unplacedCritiques, type ViewCell, type ViewCompaction, type ViewDecision, type ViewEntry, type ViewTurn } from "./view";

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
  if (r.error) outputs.push({ output_type: "error", ename: r.error.ename, evalue: r.error.evalue, traceback: userTraceback(r.error.traceback) });
  if (r.status === "died") outputs.push({ output_type: "error", ename: "KernelDied", evalue: `${r.died?.reason}: ${r.died?.detail}`, traceback: [] });
  return outputs;
}

/** Hostile text as a Markdown block quote, line by line. */
const quoted = (s: string) => text(s).split("\n").map((l) => `> ${l}`).join("\n");

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

const DIFF_MARK = { " ": "&nbsp;&nbsp;", "-": "−", "+": "+" } as const;

/** A person's decision as Markdown (the diff line by line, each line escaped so it shows as typed). */
function decisionMarkdown(d: ViewDecision): string {
  if (d.decision === "approved") return "*A person approved the next cell before it ran.*";
  if (d.decision === "edited") {
    const diff = d.diff ? `\n\n${d.diff.map((l) => `${DIFF_MARK[l.op]} ${mdName(l.text)}`).join("  \n")}` : " (the proposed code was not recorded)";
    return `**A person edited the next cell before it ran** (− proposed, + ran):${diff}`;
  }
  if (d.decision === "rejected") return `**A person rejected the proposed action**${d.feedback ? `: ${text(d.feedback)}` : "."}`;
  if (d.decision === "replaced") return `**The pending action's code was replaced** (branch):\n\n${text(d.code).split("\n").map((l) => `> ${l}`).join("\n")}`;
  return `**Instruction from the user:** ${text(d.text)}`;
}

/** One view entry as notebook cells: what ran, and what was decided, judged and asked around it. */
function entryCells(entry: ViewEntry, turn: number, files: Map<string, Buffer>, threadId: string, n: number): nb.ICell[] {
  if (entry.kind === "compaction") return [markdown(`compaction-${entry.index}`, compactionMarkdown(entry))];
  if (entry.kind === "critique") return [markdown(`critique-${turn}-${n}`, `**Critic** on step ${entry.step + 1}: **${entry.verdict}**${entry.feedback ? ` — ${text(entry.feedback)}` : ""}`)];
  if (entry.kind === "decision") return [markdown(`decision-${turn}-${n}`, decisionMarkdown(entry))];
  if (entry.kind === "plan") return [markdown(`plan-${turn}-${n}`, `**${entry.replans ? "Revised plan" : "Plan"}**\n\n${quoted(entry.text)}`)];
  const i = entry.index;
  const thought = entry.thought ? [markdown(`thought-${i}`, `*Coder:*\n\n${quoted(entry.thought)}`)] : [];
  const kept = filesCell(entry.files, `files-${i}`, files, threadId);
  const asked = entry.questions.length ? [markdown(`questions-${i}`, entry.questions.map((q) => `**Asked:** ${text(q.question)}  \n**Answer:** ${text(q.answer)}`).join("\n\n"))] : [];
  return [...(entry.attempt > 0 ? [markdown(`debug-${i}`, `*Self-debug attempt ${entry.attempt}*`)] : []), ...thought, codeCell(entry, turn), ...asked, ...(kept ? [kept] : [])];
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
  const inputs = view.inputs.length ? `\n\n**Input files** (read-only under /workspace/inputs/):\n\n${view.inputs.map((f) => `- ${mdName(f.name)} (${humanSize(f.size)})`).join("\n")}` : "";
  cells.push(markdown("task", `# ${text(view.task.split("\n")[0]!)}\n\n${text(view.task)}${inputs}\n\n*codeact run \`${threadId}\` — status: **${view.status}***${multi ? ` — ${turns.length} turns` : ""}`));
  // Plans stand where they were given when the conversation recorded them; else the current one on top.
  const inline = turns.some((t) => turnEntries(t).some((e) => e.kind === "plan"));
  if (!multi && view.plan.length && !inline) cells.push(planCell());
  for (const turn of turns) {
    if (multi) {
      cells.push(markdown(`turn-${turn.index}`, `## Turn ${turn.index + 1}: ${text(turn.request.split("\n")[0]!)}\n\n${text(turn.request)}`));
      if (turn.current && view.plan.length && !inline) cells.push(planCell());
    }
    let k = 0; // entry ids within the turn
    for (const e of turn.before) cells.push(...entryCells(e, turn.index, files, threadId, k++));
    for (const step of turn.steps) {
      // The heading stands right above the step's first cell; what came before that cell, above it.
      // (A person's decision on that cell stays with it, under the heading.)
      const at = step.entries.findIndex((e) => e.kind === "cell");
      const cell = step.entries[at] as ViewCell | undefined;
      const before = step.entries[at - 1];
      const first = cell && before?.kind === "decision" && "cell" in before && before.cell === cell.index ? at - 1 : at;
      step.entries.forEach((e, n) => {
        if (n === first) cells.push(markdown(`step-${cell!.index}`, `### Step ${step.step + 1}${step.description ? `: ${text(step.description)}` : ""}`));
        cells.push(...entryCells(e, turn.index, files, threadId, k++));
      });
    }
    if (!turn.current) cells.push(markdown(`answer-${turn.index}`, turnOutcome(turn)));
  }
  const unplaced = unplacedCritiques(view);
  if (unplaced.length) {
    cells.push(markdown("critiques", `## Critiques\n\n${unplaced.map((c) => `- step ${c.step + 1}: **${c.verdict}**${c.feedback ? ` — ${text(c.feedback)}` : ""}`).join("\n")}`));
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
