/**
 * Untrusted text (model code, cell output, tool results, task text) made inert for a terminal.
 *
 * A terminal obeys control sequences in whatever it prints: ESC/CSI sequences can erase or move over
 * lines (so the code a person approves is not the code that runs), OSC sequences set the window
 * title or write the clipboard, \r and backspace overwrite what was shown. Bidi overrides reorder
 * how code reads on screen (Trojan Source). Every such character is replaced by a visible stand-in,
 * so a person sees that it is there and nothing acts on it. Our own colours are added after this.
 */

// C0 controls but \t and \n, DEL, C1 controls (0x9b is a one-byte CSI), bidi embeddings, overrides
// and isolates, the invisible direction marks, and the line and paragraph separators (U+2028, U+2029)
// a terminal may break a line at.
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069]/g;

const hex = (c: string) => c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");

function visible(c: string): string {
  const code = c.charCodeAt(0);
  if (code < 0x20) return String.fromCharCode(0x2400 + code); // Unicode control pictures: ␛ ␇ ␍ ␈
  if (code === 0x7f) return "\u2421"; // ␡
  return `<U+${hex(c)}>`;
}

/** The text with every terminal control character and bidi control shown instead of obeyed. */
export function inert(text: string): string {
  // Windows line ends are ordinary line ends, not an overwrite.
  return text.replace(/\r\n/g, "\n").replace(UNSAFE, visible);
}

/**
 * JSON text (already valid) with the characters JSON.stringify leaves raw but a terminal may obey
 * (C1 controls, bidi controls) written as \u escapes: same value, safe to print.
 */
export function inertJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]/g, (c) => `\\u${hex(c).toLowerCase()}`);
}
