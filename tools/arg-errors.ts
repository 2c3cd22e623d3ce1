/**
 * Why a call's arguments do not fit its tool's JSON schema, field by field, in Python terms:
 * `units: expected one of "C", "F", got "K"`, `filters[1].field: missing (required)`. LangChain's
 * own message ("Received tool input did not match expected schema") names nothing the model can
 * fix. The schema may come from an MCP server: it is interpreted (@cfworker/json-schema, no code
 * generation), and what the message quotes from it or from the arguments is cleaned and cut.
 */
import { Validator } from "@cfworker/json-schema";
import { cleanText } from "./bounds";
import type { JsonSchema } from "./schema-to-python";

/** At most this many problems are listed: the first ones are enough to fix a call. */
const MAX_PROBLEMS = 5;

/** Summaries of problems also listed beneath them (cfworker reports both levels; `false` lies under additionalProperties). */
const SUMMARIES = new Set(["properties", "items", "prefixItems", "false", "allOf", "$ref", "dependentSchemas", "unevaluatedProperties", "unevaluatedItems", "contains"]);

const PY_TYPE: Record<string, string> = { string: "str", integer: "int", number: "float", boolean: "bool", array: "list", object: "dict", null: "None" };

function preview(value: unknown): string {
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = String(value);
  }
  text = cleanText(text);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}

function pyTypeOf(value: unknown): string {
  if (value === null) return "None";
  if (Array.isArray(value)) return "list";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  return PY_TYPE[typeof value === "object" ? "object" : typeof value] ?? typeof value;
}

/** The JSON pointer's segments (`#/a/0/b` → ["a", "0", "b"]), unescaped. */
function segments(pointer: string): string[] {
  return pointer
    .replace(/^#\/?/, "")
    .split("/")
    .filter((s) => s !== "")
    .map((s) => decodeURIComponent(s).replace(/~1/g, "/").replace(/~0/g, "~"));
}

function at(root: unknown, path: string[]): unknown {
  let node = root;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

/** A place in the arguments as Python code would name it: `filters[1].field`; the top level by its Python parameter name. */
function placeName(path: string[], pythonName: (wire: string) => string): string {
  if (!path.length) return "the arguments";
  let name = cleanText(pythonName(path[0]!)).slice(0, 80);
  for (const key of path.slice(1)) name += /^\d+$/.test(key) ? `[${key}]` : /^[A-Za-z_]\w*$/.test(key) ? `.${key}` : `[${JSON.stringify(cleanText(key).slice(0, 80))}]`;
  return name;
}

interface Problem {
  instanceLocation: string;
  keyword: string;
  keywordLocation: string;
  error: string;
}

function describe(p: Problem, schema: JsonSchema, args: unknown, pythonName: (wire: string) => string): string | undefined {
  if (SUMMARIES.has(p.keyword)) return undefined;
  const where = segments(p.instanceLocation);
  const value = at(args, where);
  const keywordPath = segments(p.keywordLocation);
  const sub = at(schema, keywordPath.slice(0, -1)) as JsonSchema | undefined;
  const got = `got ${pyTypeOf(value)} ${preview(value)}`;
  switch (p.keyword) {
    case "required": {
      const key = /property "(.*)"/.exec(p.error)?.[1] ?? "?";
      return `${where.length ? `${placeName([...where, key], pythonName)}` : cleanText(pythonName(key)).slice(0, 80)}: missing (required)`;
    }
    case "type": {
      const types = [sub?.type ?? []].flat().map((t) => PY_TYPE[t] ?? t);
      return `${placeName(where, pythonName)}: expected ${types.join(" or ") || "another type"}, ${got}`;
    }
    case "enum":
      return `${placeName(where, pythonName)}: expected one of ${(sub?.enum ?? []).slice(0, 10).map(preview).join(", ")}, ${got}`;
    case "const":
      return `${placeName(where, pythonName)}: expected ${preview(sub?.const)}, ${got}`;
    case "additionalProperties": {
      const key = /Property "(.*)" does not match/.exec(p.error)?.[1] ?? "?";
      const keys = Object.keys(sub?.properties ?? {});
      return `${placeName([...where, key], pythonName)}: not an accepted key${keys.length ? ` (accepted: ${keys.slice(0, 12).map((k) => cleanText(pythonName(k)).slice(0, 40)).join(", ")})` : ""}`;
    }
    default:
      return `${placeName(where, pythonName)}: ${cleanText(p.error).slice(0, 200)}`;
  }
}

/**
 * The problems with `args` under `schema`, one line each (at most five, then how many more), or
 * undefined when the schema accepts them or cannot be read (the caller keeps its own message).
 */
export function argumentProblems(schema: JsonSchema, args: unknown, pythonName: (wire: string) => string = (w) => w): string | undefined {
  let errors: Problem[];
  try {
    errors = new Validator(schema as never, "2020-12", false).validate(args).errors as Problem[];
  } catch {
    return undefined;
  }
  const lines = [...new Set(errors.map((e) => describe(e, schema, args, pythonName)).filter((l): l is string => !!l))];
  if (!lines.length) return undefined;
  const shown = lines.slice(0, MAX_PROBLEMS);
  if (lines.length > MAX_PROBLEMS) shown.push(`… and ${lines.length - MAX_PROBLEMS} more`);
  return shown.join("; ");
}
