/**
 * Bounds for what a tool from outside (an MCP server) sends back. Its text reaches the kernel, the
 * checkpoints, the terminal and the model: control characters go (they can rewrite a terminal or
 * break Python source), lone surrogates become U+FFFD (Python cannot encode them), and a result
 * past the limit is cut with a note saying so, so one call cannot fill memory, disk or the prompt.
 */

/** Characters kept out: C0 controls except tab, newline and carriage return; DEL; C1 controls. */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function cleanText(text: string): string {
  return text.replace(CONTROL, "").replace(LONE_SURROGATE, "\uFFFD");
}

/** Characters of JSON a tool result may take (default 1,000,000; CODEACT_TOOL_RESULT_MAX_CHARS). */
export function maxToolResultChars(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.CODEACT_TOOL_RESULT_MAX_CHARS);
  return Number.isInteger(n) && n >= 1_000 ? n : 1_000_000;
}

/**
 * The value cleaned, or, past the limit, its text cut to the limit with a note: a string stays a
 * string; a structure too big becomes the start of its JSON (it cannot be cut and stay valid).
 */
export function boundToolResult(value: unknown, max = maxToolResultChars()): unknown {
  if (value === undefined) return null;
  let json: string;
  try {
    json = JSON.stringify(value, (_key, v: unknown) => (typeof v === "string" ? cleanText(v) : v)) ?? "null";
  } catch (err) {
    // Cycles, BigInt, or nesting deep enough to exhaust the stack.
    return `[the tool's result could not be read: ${(err as Error).message}]`;
  }
  if (json.length <= max) return JSON.parse(json) as unknown;
  const text = typeof value === "string" ? cleanText(value) : json;
  return `${cleanText(text.slice(0, max))}\n… [cut: the tool's result was ${json.length.toLocaleString("en")} characters; the limit is ${max.toLocaleString("en")}]`;
}
