/**
 * A run as one self-contained HTML page: code, outputs, inline images. Everything from the run is
 * hostile, and opening the page must run none of it: text is escaped, images are embedded only as
 * checked base64 (SVG too, since a script in an SVG shown as an image does not run), HTML output
 * sits in a sandboxed frame without scripts, and a Content-Security-Policy forbids script, network
 * and plugins for the page and its frames, should any hole be missed.
 */
import type { CodeActStateValue } from "../graphs/state/state";
import type { Cell } from "../graphs/state/cell";
import { inert } from "./inert";
import { isBase64 } from "./media";
import { userTraceback } from "./traceback";
import { humanSize } from "../executors/workspace/limits";
import { type ThreadView, threadView, turnEntries, unplacedCritiques, type ViewCell, type ViewCompaction, type ViewDecision, type ViewEntry, type ViewTurn } from "./view";

// Every attribute this page writes is double-quoted, so escaping " is enough to stay inside one.
const esc = (s: unknown) => String(s ?? "").replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
// Text shows control characters and bidi overrides visibly, as in the terminal: reordered code
// (Trojan Source) must not read differently from what ran.
const text = (s: unknown) => esc(inert(String(s ?? "")));

// srcdoc frames inherit this policy: no script anywhere, images only from data: URLs, no requests.
const CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; frame-src 'none'; form-action 'none'; base-uri 'none'";

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f6f8fa;padding:.8rem;border-radius:6px;white-space:pre-wrap;overflow-wrap:anywhere}pre.out{background:#fff;border-left:3px solid #ccc}
pre.err{background:#fff5f5;border-left:3px solid #d33}.cell{margin:1.2rem 0}.meta{color:#777;font-size:.85em}
img{max-width:100%}iframe{width:100%;border:1px solid #ddd;min-height:8rem}.note{border-left:3px solid #88a;padding-left:.6rem}
.del{background:#ffecec}.add{background:#eaffea}.thought{white-space:pre-wrap;overflow-wrap:anywhere;font-style:italic;color:#444}`;

const image = (mime: string, base64: string) => `<img alt="figure" src="data:${mime};base64,${esc(base64.replace(/\s/g, ""))}">`;

/** One display output, richest safe form first. */
function output(data: Cell["result"]["results"][number]["data"]): string {
  for (const mime of ["image/png", "image/jpeg"]) {
    const d = data[mime];
    if (d === undefined) continue;
    if (isBase64(d)) return image(mime, d);
    return `<p class="meta">(an ${text(mime)} output that is not base64 was left out)</p>`;
  }
  const svg = data["image/svg+xml"];
  if (typeof svg === "string") return image("image/svg+xml", Buffer.from(svg, "utf8").toString("base64"));
  // Sandbox HTML is untrusted: it renders in a script-less frame, never inline.
  if (data["text/html"] !== undefined) return `<iframe sandbox srcdoc="${esc(data["text/html"])}"></iframe>`;
  if (data["text/plain"] !== undefined) return `<pre class="out">${text(data["text/plain"])}</pre>`;
  return "";
}

/**
 * The cell's output files as download links: data: URLs typed application/octet-stream, so a
 * browser saves them and never renders one (an .html or .svg file stays inert), named by `download`.
 */
function fileLinks(kept: Cell["files"], files: Map<string, Buffer>, threadId: string): string {
  if (!kept?.length) return "";
  const items = kept.map((f) => {
    const data = files.get(f.sha256);
    const name = f.path.replace(/^outputs\//, "");
    if (!data) return `<li>${text(f.path)} (${humanSize(f.size)}; not embedded: <code>codeact files ${text(threadId)} --get ${text(name)}</code>)</li>`;
    const base = name.split("/").at(-1)!;
    return `<li><a download="${text(base)}" href="data:application/octet-stream;base64,${data.toString("base64")}">${text(f.path)}</a> (${humanSize(f.size)})</li>`;
  });
  return `<p class="meta">Files kept:</p><ul class="files">${items.join("")}</ul>`;
}

/** One executed cell: its step, code and outputs. */
function cellHtml(cell: ViewCell, files: Map<string, Buffer>, threadId: string): string {
  const r = cell.result;
  const outs: string[] = [];
  if (r.stdout) outs.push(`<pre class="out">${text(r.stdout)}</pre>`);
  if (r.stderr) outs.push(`<pre class="err">${text(r.stderr)}</pre>`);
  for (const o of r.results) outs.push(output(o.data));
  if (r.error) outs.push(`<pre class="err">${text(userTraceback(r.error.traceback).join("\n") || `${r.error.ename}: ${r.error.evalue}`)}</pre>`);
  for (const q of cell.questions) outs.push(`<p class="note">Asked: ${text(q.question)}<br>Answer: ${text(q.answer)}</p>`);
  outs.push(fileLinks(cell.files, files, threadId));
  const thought = cell.thought ? `<p class="thought">${text(cell.thought)}</p>` : "";
  return `<div class="cell">${thought}<p class="meta">step ${cell.step + 1}${cell.attempt ? `, self-debug attempt ${cell.attempt}` : ""} — ${text(r.status)}, ${Math.round(r.durationMs)} ms</p><pre><code>${text(cell.code)}</code></pre>${outs.join("")}</div>`;
}

const compaction = (c: ViewCompaction) =>
  `<section class="cell"><h3>Context compacted</h3><p class="meta">The coder's older turns were replaced by ${c.digest ? "a digest written without the model" : "a summary written by the model"}:</p><pre class="out">${text(c.summary)}</pre></section>`;

const DIFF_CLASS = { " ": "", "-": "del", "+": "add" } as const;

/** A person's decision, where it was taken. */
function decisionHtml(d: ViewDecision): string {
  if (d.decision === "approved") return `<p class="note meta">A person approved the next cell before it ran.</p>`;
  if (d.decision === "edited") {
    const diff = d.diff ? `<pre>${d.diff.map((l) => `<span class="${DIFF_CLASS[l.op]}">${l.op} ${text(l.text)}</span>`).join("\n")}</pre>` : `<p class="meta">(the proposed code was not recorded)</p>`;
    return `<div class="note"><p>A person edited the next cell before it ran (− proposed, + ran):</p>${diff}</div>`;
  }
  if (d.decision === "rejected") return `<p class="note">A person rejected the proposed action${d.feedback ? `: ${text(d.feedback)}` : "."}</p>`;
  if (d.decision === "replaced") return `<div class="note"><p>The pending action's code was replaced (branch):</p><pre>${text(d.code)}</pre></div>`;
  return `<p class="note">Instruction from the user: ${text(d.text)}</p>`;
}

/** One view entry: what ran, and what was decided, judged and asked around it. */
function entryHtml(entry: ViewEntry, files: Map<string, Buffer>, threadId: string): string[] {
  if (entry.kind === "compaction") return [compaction(entry)];
  if (entry.kind === "critique") return [`<p class="note">Critic on step ${entry.step + 1}: <b>${text(entry.verdict)}</b>${entry.feedback ? ` — ${text(entry.feedback)}` : ""}</p>`];
  if (entry.kind === "decision") return [decisionHtml(entry)];
  if (entry.kind === "plan") return [`<section class="plan"><h3>${entry.replans ? "Revised plan" : "Plan"}</h3><pre>${text(entry.text)}</pre></section>`];
  return [cellHtml(entry, files, threadId)];
}

const outcome = (t: ViewTurn, h: string) => (t.answer ? `<${h}>Answer</${h}><pre>${text(t.answer)}</pre>` : `<${h}>No answer</${h}><p>${text(t.status)}: ${text(t.statusDetail)}</p>`);

export function toHtml(state: CodeActStateValue, threadId: string, files: Map<string, Buffer> = new Map()): string {
  return viewHtml(threadView(state, threadId), files);
}

export function viewHtml(view: ThreadView, files: Map<string, Buffer> = new Map()): string {
  const { threadId, turns } = view;
  // A thread with follow-ups: each turn gets its request as a heading, then its cells and its answer.
  const multi = turns.length > 1;
  const parts: string[] = [`<h1>${text(view.task.split("\n")[0]!)}</h1>`, `<p class="meta">codeact run ${text(threadId)} — status ${text(view.status)}${multi ? ` — ${turns.length} turns` : ""}</p>`, `<pre>${text(view.task)}</pre>`];
  if (view.inputs.length) parts.push(`<p class="meta">Input files (read-only under /workspace/inputs/):</p><ul>${view.inputs.map((f) => `<li>${text(f.name)} (${humanSize(f.size)})</li>`).join("")}</ul>`);
  const plan = () => `<h2>Plan</h2><ol>${view.plan.map((s) => `<li>${text(s.description)}</li>`).join("")}</ol>`;
  // Plans stand where they were given when the conversation recorded them; else the current one on top.
  const inline = turns.some((t) => turnEntries(t).some((e) => e.kind === "plan"));
  if (!multi && view.plan.length && !inline) parts.push(plan());
  for (const turn of turns) {
    if (multi) {
      parts.push(`<h2>Turn ${turn.index + 1}</h2><pre>${text(turn.request)}</pre>`);
      if (turn.current && view.plan.length && !inline) parts.push(plan());
    }
    for (const e of turnEntries(turn)) parts.push(...entryHtml(e, files, threadId));
    if (!turn.current) parts.push(outcome(turn, "h3"));
  }
  const unplaced = unplacedCritiques(view);
  if (unplaced.length) parts.push(`<h2>Critiques</h2><ul>${unplaced.map((c) => `<li>step ${c.step + 1}: <b>${text(c.verdict)}</b> ${text(c.feedback)}</li>`).join("")}</ul>`);
  parts.push(outcome(turns.at(-1)!, "h2"));
  parts.push(fileLinks(view.answerFiles, files, threadId));
  return `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="${CSP}"><meta name="referrer" content="no-referrer"><title>${text(view.task.slice(0, 80))}</title><style>${STYLE}</style></head><body>${parts.join("\n")}</body></html>\n`;
}
