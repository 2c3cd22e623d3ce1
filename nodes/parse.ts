/**
 * Reads one action out of a coder response. Accepts the CodeAct paper's tags (`<execute>`,
 * `<solution>`) and fenced ```python blocks, so CodeActAgent-style models and chat models both
 * work. Anything else is an `invalid` action whose reason goes back to the model as an observation.
 */

export type Action =
  | { kind: "code"; code: string; thought: string }
  | { kind: "answer"; answer: string; thought: string }
  | { kind: "invalid"; reason: string };

export interface ParseOptions {
  /** Responses longer than this are refused rather than executed. */
  maxChars?: number;
}

const FENCE = /```[ \t]*(python3?|py|ipython)?[ \t]*\n([\s\S]*?)```/gi;

function tagBlocks(text: string, tag: string): { blocks: string[]; unclosed: boolean } {
  const open = new RegExp(`<${tag}>`, "gi");
  const close = new RegExp(`</${tag}>`, "gi");
  const opens = text.match(open)?.length ?? 0;
  const closes = text.match(close)?.length ?? 0;
  const blocks = [...text.matchAll(new RegExp(`<${tag}>([\\s\\S]*?)</${tag}>`, "gi"))].map((m) => m[1] ?? "");
  return { blocks, unclosed: opens !== closes };
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
  if (execute.unclosed) return { kind: "invalid", reason: "An <execute> tag was not closed. Wrap the code in <execute>…</execute>." };
  if (solution.unclosed) return { kind: "invalid", reason: "A <solution> tag was not closed. Give the final answer as <solution>…</solution>." };

  const withoutTags = text.replace(/<execute>[\s\S]*?<\/execute>/gi, "").replace(/<solution>[\s\S]*?<\/solution>/gi, "");
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
  if (codes.length === 1) return { kind: "code", code: codes[0]!, thought: thoughtBefore(text, /<execute>|```/i) };
  if (solution.blocks.length > 1) return { kind: "invalid", reason: "Your response had several <solution> blocks. Give one final answer." };
  if (solution.blocks.length === 1) {
    const answer = solution.blocks[0]!.trim();
    if (!answer) return { kind: "invalid", reason: "The <solution> block was empty." };
    return { kind: "answer", answer, thought: thoughtBefore(text, /<solution>/i) };
  }
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
