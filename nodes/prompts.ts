/** Prompt texts live in nodes/prompts/*.txt; `{name}` placeholders are filled at call time. */
import { readFileSync } from "node:fs";
import { join } from "node:path";

const cache = new Map<string, string>();

export function prompt(name: string, vars: Record<string, string> = {}): string {
  let text = cache.get(name);
  if (text === undefined) {
    text = readFileSync(join(__dirname, "prompts", `${name}.txt`), "utf8");
    cache.set(name, text);
  }
  return text.replace(/\{(\w+)\}/g, (whole, key: string) => (key in vars ? vars[key]! : whole)).trim();
}
