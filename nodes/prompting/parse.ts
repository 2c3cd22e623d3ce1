/**
 * Reads one action out of a coder response. Accepts the CodeAct paper's tags (`<execute>`,
 * `<solution>`) and fenced ```python blocks, so CodeActAgent-style models and chat models both
 * work. Anything else is an `invalid` action whose reason goes back to the model as an observation.
 */

export type Action =
  | { kind: "code"; code: string; thought: string; stepDone?: boolean }
  | { kind: "answer"; answer: string; thought: string }
  | { kind: "claim"; thought: string }
  | { kind: "invalid"; reason: string };

export interface ParseOptions {
  /** Responses longer than this are refused rather than executed. */
  maxChars?: number;
}

/** The coder's "this step is done" marker (see prompts/coder.txt); only outside code counts. */
const STEP_DONE = /<step_done\s*\/?>(?:\s*<\/step_done>)?/i;

const FENCE = /```[ \t]*(python3?|py|ipython)?[ \t]*\n([\s\S]*?)```/gi;

interface Blocks {
  blocks: string[];
  /** Where the blocks sit in the text (so prose around them can be read apart). */
  spans: [number, number][];
  problem?: string;
}

/**
 * The blocks of one tag. Code may itself contain the tag's text (a string literal that says
 * "</execute>"), so: a ```fence right inside the tag is taken whole, whatever it contains; a lone
 * opening tag runs to the LAST closing tag; a tag opened inside an open block is refused, never
 * run as code of its own.
 */
function tagBlocks(text: string, tag: string): Blocks {
  const openRe = new RegExp(`<${tag}>`, "gi");
  const closeRe = new RegExp(`</${tag}>`, "gi");
  const next = (re: RegExp, from: number) => {
    re.lastIndex = from;
    const m = re.exec(text);
    return m ? m.index : -1;
  };
  const out: Blocks = { blocks: [], spans: [] };
  let at = 0;
  for (;;) {
    const open = next(openRe, at);
    if (open < 0) break;
    const body = open + tag.length + 2;
    let close: number;
    const fenced = new RegExp(`^\\s*\`\`\`[^\\n]*\\n[\\s\\S]*?\\n[ \\t]*\`\`\`\\s*</${tag}>`, "i").exec(text.slice(body));
    if (fenced) {
      close = body + fenced[0].length - tag.length - 3;
    } else {
      close = next(closeRe, body);
      if (close < 0) return { ...out, problem: `A <${tag}> tag was not closed.` };
      const inner = next(openRe, body);
      if (inner >= 0 && inner < close) {
        return { ...out, problem: `A <${tag}> block contained another <${tag}> tag; nested tags are not run.` };
      }
      // The only block left: it ends at the last closing tag, so code that prints "</tag>" survives.
      if (inner < 0) close = text.toLowerCase().lastIndexOf(`</${tag}>`);
    }
    out.blocks.push(text.slice(body, close));
    const end = close + tag.length + 3;
    out.spans.push([open, end]);
    at = end;
  }
  return out;
}

function withoutSpans(text: string, spans: [number, number][]): string {
  let out = "";
  let at = 0;
  for (const [a, b] of [...spans].sort((x, y) => x[0] - y[0])) {
    if (a < at) continue;
    out += text.slice(at, a);
    at = b;
  }
  return out + text.slice(at);
}

/** `<execute>```python\nx\n```</execute>` is common: the fence inside the tag is not part of the code. */
function unfence(code: string): string {
  const m = /^\s*```[ \t]*(?:python3?|py|ipython)?[ \t]*\n([\s\S]*?)```\s*$/i.exec(code);
  return (m ? m[1]! : code).replace(/^\n+|\s+$/g, "");
}

function thoughtBefore(text: string, marker: RegExp): string {
  const at = text.search(marker);
  return (at > 0 ? text.slice(0, at) : "").trim();
}

export function parseAction(text: string, options: ParseOptions = {}): Action {
  const maxChars = options.maxChars ?? 40_000;
  if (text.length > maxChars) {
    return { kind: "invalid", reason: `Your response was ${text.length} characters, over the ${maxChars} limit. Send one short code action.` };
  }
  const execute = tagBlocks(text, "execute");
  const solution = tagBlocks(text, "solution");
  if (execute.problem) {
    return {
      kind: "invalid",
      reason: `${execute.problem} Send one <execute>…</execute> block; if the code itself must contain the text "<execute>", put it in a \`\`\`python fence inside the block.`,
    };
  }
  if (solution.problem) return { kind: "invalid", reason: `${solution.problem} Give the final answer as one <solution>…</solution>.` };

  const withoutTags = withoutSpans(text, [...execute.spans, ...solution.spans]);
  const fenced = execute.blocks.length ? [] : [...withoutTags.matchAll(FENCE)].filter((m) => m[1] || !/^\s*[{[]/.test(m[2] ?? "")).map((m) => m[2] ?? "");
  if (!execute.blocks.length && (withoutTags.match(/```/g)?.length ?? 0) % 2 === 1) {
    return { kind: "invalid", reason: "A ``` code fence was not closed. Send the code in one complete ```python block." };
  }
  const codes = [...execute.blocks, ...fenced].map(unfence).filter((c) => c.trim());

  if (codes.length > 1) {
    return { kind: "invalid", reason: `Your response had ${codes.length} code blocks. Send exactly one action per turn: one <execute> block (or one \`\`\`python block).` };
  }
  if (codes.length === 1 && solution.blocks.length) {
    return { kind: "invalid", reason: "Your response had both code to run and a final answer. Run the code first; answer only after seeing its output." };
  }
  const claimed = STEP_DONE.test(withoutTags.replace(FENCE, ""));
  if (codes.length === 1) return { kind: "code", code: codes[0]!, thought: thoughtBefore(text, /<execute>|```/i), ...(claimed ? { stepDone: true } : {}) };
  if (solution.blocks.length > 1) return { kind: "invalid", reason: "Your response had several <solution> blocks. Give one final answer." };
  if (solution.blocks.length === 1) {
    const answer = solution.blocks[0]!.trim();
    if (!answer) return { kind: "invalid", reason: "The <solution> block was empty." };
    return { kind: "answer", answer, thought: thoughtBefore(text, /<solution>/i) };
  }
  if (claimed) return { kind: "claim", thought: text.replace(STEP_DONE, "").trim() };
  return {
    kind: "invalid",
    reason: "Your response had no action. Either run Python code in <execute>…</execute> (or a ```python block), or give the final answer in <solution>…</solution>.",
  };
}

/** Extracts a JSON value from a model response, tolerating ```json fences and prose around it. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*\n([\s\S]*?)```/i.exec(text);
  const candidate = fenced ? fenced[1]! : text;
  const start = candidate.search(/[{[]/);
  if (start < 0) throw new Error("no JSON object in the response");
  const open = candidate[start];
  const end = candidate.lastIndexOf(open === "{" ? "}" : "]");
  if (end < start) throw new Error("the JSON object is not closed");
  return JSON.parse(candidate.slice(start, end + 1));
}
