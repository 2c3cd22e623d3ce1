/**
 * The paper's action formats (M3ToolEval): a reply holds either `Action: … End Action` or
 * `Answer: …`. In the code format the action is Python; in the JSON format it is
 * `{"tool": name, "args": [...]}`; in the text format `name, arg1, arg2`. A JSON or text action
 * calls exactly one tool. For the code format, replies in this project's own tags
 * (`<execute>`, `<solution>`, ```python fences) are read too, so CodeActAgent-style models work.
 */
import type { ActionFormat } from "../../graphs/state/settings";
import { parseAction } from "./parse";

export type { ActionFormat };

export type FormattedAction =
  | { kind: "code"; code: string; thought: string }
  /** `args` is JSON text of the argument list (JSON format) or the raw strings (text format). */
  | { kind: "tool"; tool: string; args: string; convert: boolean; thought: string }
  | { kind: "answer"; answer: string; thought: string }
  | { kind: "invalid"; reason: string };

const MAX_CHARS = 40_000;

function stripFence(text: string): string {
  const m = /^\s*```[a-zA-Z0-9]*[ \t]*\n([\s\S]*?)\n?```\s*$/.exec(text);
  return (m ? m[1]! : text).replace(/^\n+|\s+$/g, "");
}

const MARKERS: Record<ActionFormat, string> = {
  code: "Action:\n<python code>\nEnd Action",
  json: 'Action: {"tool": "<name>", "args": [<arguments>]} End Action',
  text: "Action: <tool name>, <argument 1>, <argument 2> End Action",
};

function toolAction(body: string, format: "json" | "text", thought: string): FormattedAction {
  const text = stripFence(body).trim();
  if (format === "text") {
    const [tool, ...args] = text.split(",");
    const name = (tool ?? "").trim();
    if (!name) return { kind: "invalid", reason: `The action named no tool. Write: ${MARKERS.text}` };
    return { kind: "tool", tool: name, args: JSON.stringify(args), convert: true, thought };
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { kind: "invalid", reason: `The action is not valid JSON (${(err as Error).message}). Write: ${MARKERS.json}` };
  }
  const obj = parsed as { tool?: unknown; args?: unknown };
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed) || typeof obj.tool !== "string" || !obj.tool.trim()) {
    return { kind: "invalid", reason: `The JSON action needs a "tool" (the tool's name) and "args" (a list). Write: ${MARKERS.json}` };
  }
  const args = obj.args === undefined ? [] : Array.isArray(obj.args) ? obj.args : [obj.args];
  // Re-read from the original text so Python sees 3.0 as a float, as json.loads would.
  const raw = Array.isArray(obj.args) ? argsText(text) : null;
  return { kind: "tool", tool: obj.tool.trim(), args: raw ?? JSON.stringify(args), convert: false, thought };
}

/** The literal JSON text of the "args" list inside `text`, when it can be located unambiguously. */
function argsText(text: string): string | null {
  const m = /"args"\s*:\s*\[/.exec(text);
  if (!m) return null;
  let depth = 0;
  let inString = false;
  for (let i = m.index + m[0].length - 1; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "[") depth++;
    else if (c === "]" && --depth === 0) {
      const slice = text.slice(m.index + m[0].length - 1, i + 1);
      try {
        return Array.isArray(JSON.parse(slice)) ? slice : null;
      } catch {
        return null;
      }
    }
  }
  return null;
}

/** Reads one action (or answer) from a model reply in the given format. */
export function parseFormattedAction(text: string, format: ActionFormat): FormattedAction {
  if (text.length > MAX_CHARS) return { kind: "invalid", reason: `Your reply was ${text.length} characters, over the ${MAX_CHARS} limit. Send one short action.` };
  const action = text.indexOf("Action:");
  const answer = text.indexOf("Answer:");
  if (action < 0 && answer < 0) {
    if (format === "code") {
      const own = parseAction(text);
      // A bare <step_done/> claim has no meaning in the paper's single loop (no critic): not an action.
      if (own.kind !== "invalid" && own.kind !== "claim") return own;
    }
    return { kind: "invalid", reason: `Your reply had neither 'Action:' nor 'Answer:'. Act with ${MARKERS[format]}, or finish with 'Answer: <your answer>'.` };
  }
  // The first marker wins, as in the paper's post-processing (anything after a second one is dropped).
  if (answer >= 0 && (action < 0 || answer < action)) {
    const thought = text.slice(0, answer).trim();
    const value = text.slice(answer + "Answer:".length).trim();
    if (!value) return { kind: "invalid", reason: "The answer was empty. Write 'Answer: <your answer>'." };
    return { kind: "answer", answer: value, thought };
  }
  const thought = text.slice(0, action).trim();
  let body = text.slice(action + "Action:".length);
  const end = body.indexOf("End Action");
  if (end >= 0) body = body.slice(0, end);
  else {
    // Without "End Action", a later 'Answer:' or 'Thought:' ends the action.
    const cut = body.search(/\n(?:Answer|Thought):/);
    if (cut >= 0) body = body.slice(0, cut);
  }
  if (format !== "code") return toolAction(body, format, thought);
  const code = stripFence(body.replace(/^\s*<execute>|<\/execute>\s*$/g, ""));
  if (!code.trim()) return { kind: "invalid", reason: `The action had no code. Write: ${MARKERS.code}` };
  return { kind: "code", code, thought };
}

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * A JSON/text tool call as the code cell that makes it, for agents whose executor runs code (the
 * full graph). The tool name must be a Python identifier; the arguments travel as base64 JSON, so
 * nothing the model wrote is ever spliced into the code.
 */
export function toolCallCode(tool: string, args: string, convert: boolean): string | { invalid: string } {
  if (!IDENTIFIER.test(tool)) return { invalid: `"${tool.slice(0, 80)}" is not a tool name.` };
  const payload = JSON.stringify(Buffer.from(args, "utf8").toString("base64"));
  const load = `__import__("json").loads(__import__("base64").b64decode(${payload}))`;
  if (!convert) return `print(${tool}(*${load}))`;
  return [
    "def _text_arg(s):",
    "    s = s.strip()",
    "    for kind in (int, float):",
    "        try:",
    "            return kind(s)",
    "        except ValueError:",
    "            pass",
    "    return s",
    `print(${tool}(*[_text_arg(a) for a in ${load}]))`,
  ].join("\n");
}

/** A reply in the JSON or text format, read as this project's code/answer actions. */
export function parseAsCodeAction(text: string, format: ActionFormat): { kind: "code"; code: string; thought: string } | { kind: "answer"; answer: string; thought: string } | { kind: "invalid"; reason: string } {
  const action = parseFormattedAction(text, format);
  // The graph's own final-answer tag is accepted in every format.
  if (action.kind === "invalid") {
    const own = parseAction(text);
    if (own.kind === "answer") return own;
  }
  if (action.kind !== "tool") return action;
  const code = toolCallCode(action.tool, action.args, action.convert);
  return typeof code === "string" ? { kind: "code", code, thought: action.thought } : { kind: "invalid", reason: code.invalid };
}
