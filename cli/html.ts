/** A run as one self-contained HTML page: code, outputs, inline images. */
import type { CodeActStateValue } from "../graphs/state";

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
pre{background:#f6f8fa;padding:.8rem;overflow-x:auto;border-radius:6px}pre.out{background:#fff;border-left:3px solid #ccc}
pre.err{background:#fff5f5;border-left:3px solid #d33}.cell{margin:1.2rem 0}.meta{color:#777;font-size:.85em}
img{max-width:100%}iframe{width:100%;border:1px solid #ddd;min-height:8rem}`;

export function toHtml(state: CodeActStateValue, threadId: string): string {
  const parts: string[] = [`<h1>${esc(state.task.split("\n")[0]!)}</h1>`, `<p class="meta">codeact run ${esc(threadId)} — status ${esc(state.status)}</p>`, `<pre>${esc(state.task)}</pre>`];
  if (state.plan.length) parts.push(`<h2>Plan</h2><ol>${state.plan.map((s) => `<li>${esc(s.description)}</li>`).join("")}</ol>`);
  for (const cell of state.cells) {
    const r = cell.result;
    const outs: string[] = [];
    if (r.stdout) outs.push(`<pre class="out">${esc(r.stdout)}</pre>`);
    if (r.stderr) outs.push(`<pre class="err">${esc(r.stderr)}</pre>`);
    for (const o of r.results) {
      if (o.data["image/png"]) outs.push(`<img alt="figure" src="data:image/png;base64,${o.data["image/png"]}">`);
      // Sandbox HTML is untrusted: it renders in a script-less iframe, never inline.
      else if (o.data["text/html"]) outs.push(`<iframe sandbox srcdoc="${esc(o.data["text/html"])}"></iframe>`);
      else if (o.data["text/plain"]) outs.push(`<pre class="out">${esc(o.data["text/plain"])}</pre>`);
    }
    if (r.error) outs.push(`<pre class="err">${esc(r.error.traceback.join("\n") || `${r.error.ename}: ${r.error.evalue}`)}</pre>`);
    parts.push(`<div class="cell"><p class="meta">step ${cell.step + 1}${cell.attempt ? `, self-debug attempt ${cell.attempt}` : ""} — ${esc(r.status)}, ${Math.round(r.durationMs)} ms</p><pre><code>${esc(cell.code)}</code></pre>${outs.join("")}</div>`);
  }
  if (state.critiques.length) parts.push(`<h2>Critiques</h2><ul>${state.critiques.map((c) => `<li>step ${c.step + 1}: <b>${esc(c.verdict)}</b> ${esc(c.feedback)}</li>`).join("")}</ul>`);
  parts.push(state.answer ? `<h2>Answer</h2><pre>${esc(state.answer)}</pre>` : `<h2>No answer</h2><p>${esc(state.status)}: ${esc(state.statusDetail)}</p>`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(state.task.slice(0, 80))}</title><style>${STYLE}</style></head><body>${parts.join("\n")}</body></html>\n`;
}
