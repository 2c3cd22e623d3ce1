/**
 * Turns a tool's JSON schema into a Python function stub: a real signature (typed, required
 * parameters first, optional ones defaulting to None) and a Google-style docstring, so the model
 * can read `help(tool)` and call it like any Python function.
 */
import { cleanText } from "./bounds";
import { sanitizeIdentifier } from "./names";

export interface JsonSchema {
  type?: string | string[];
  description?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  default?: unknown;
  additionalProperties?: boolean | JsonSchema;
}

const PY_KEYWORDS = new Set(
  "False None True and as assert async await break class continue def del elif else except finally for from global if import in is lambda nonlocal not or pass raise return try while with yield".split(" "),
);

/**
 * A parameter name as a valid, non-keyword Python identifier ("from" → "from_"). Parameters may
 * shadow builtins (they are local to the stub); function names go through tools/names.ts.
 */
export function pythonIdentifier(name: string): string {
  const id = sanitizeIdentifier(name);
  return PY_KEYWORDS.has(id) ? `${id}_` : id;
}

function literal(value: unknown): string {
  if (value === null) return "None";
  if (value === true) return "True";
  if (value === false) return "False";
  if (typeof value === "number") return String(value);
  return JSON.stringify(String(value));
}

/** How deep object shapes are spelled out, and how many keys each shows: a hostile schema stays one readable line. */
const MAX_SHAPE_DEPTH = 3;
const MAX_SHAPE_KEYS = 12;

/** A key as the shape shows it: bare when it is an identifier, quoted otherwise (cleaned: it may come from an MCP server). */
function shapeKey(key: string): string {
  const clean = cleanText(key).slice(0, 80);
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(clean) ? clean : JSON.stringify(clean);
}

/**
 * An object's keys as one line, `{city: str, days?: list[int]}` (`?`: optional key), or undefined
 * for an object without declared keys (plain `dict`).
 */
function shapeText(schema: JsonSchema, depth: number): string | undefined {
  const entries = Object.entries(schema.properties ?? {});
  if (!entries.length) return undefined;
  if (depth >= MAX_SHAPE_DEPTH) return "{…}";
  const required = new Set(schema.required ?? []);
  const keys = entries.slice(0, MAX_SHAPE_KEYS).map(([k, v]) => `${shapeKey(k)}${required.has(k) ? "" : "?"}: ${typeText(v, depth + 1, false)}`);
  if (entries.length > MAX_SHAPE_KEYS) keys.push(`… ${entries.length - MAX_SHAPE_KEYS} more`);
  return `{${keys.join(", ")}}`;
}

/**
 * A schema as a Python type. `source`: text for the stub's own annotation, where an object shape
 * becomes `_codeact_shape("{…}")` (the prelude's object whose repr is the shape, so the real
 * signature and help() show the keys); otherwise the shape itself, for documentation.
 */
function typeText(schema: JsonSchema | undefined, depth: number, source: boolean): string {
  if (!schema) return "Any";
  if (schema.enum) return `Literal[${schema.enum.map(literal).join(", ")}]`;
  if (schema.const !== undefined) return `Literal[${literal(schema.const)}]`;
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    const nonNull = union.filter((s) => s.type !== "null");
    const inner = [...new Set(nonNull.map((s) => typeText(s, depth, source)))];
    const core = inner.length === 1 ? inner[0]! : `Union[${inner.join(", ")}]`;
    return nonNull.length < union.length ? `Optional[${core}]` : core;
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : schema.properties ? ["object"] : [];
  const nonNull = types.filter((t) => t !== "null");
  const one = (t: string): string => {
    switch (t) {
      case "string":
        return "str";
      case "integer":
        return "int";
      case "number":
        return "float";
      case "boolean":
        return "bool";
      case "array":
        return `list[${typeText(schema.items, depth, source)}]`;
      case "object": {
        const shape = shapeText(schema, depth);
        if (!shape) return "dict";
        return source ? `_codeact_shape(${JSON.stringify(shape)})` : shape;
      }
      default:
        return "Any";
    }
  };
  if (nonNull.length === 0) return "Any";
  const core = nonNull.length === 1 ? one(nonNull[0]!) : `Union[${nonNull.map(one).join(", ")}]`;
  return nonNull.length < types.length ? `Optional[${core}]` : core;
}

/** A Python type annotation for a schema (as source text for the stub). */
export function pythonType(schema: JsonSchema | undefined): string {
  return typeText(schema, 0, true);
}

/** The same type as people read it (signature lines, docstrings): object shapes written out, `{city: str, days?: list[int]}`. */
export function pythonTypeText(schema: JsonSchema | undefined): string {
  return typeText(schema, 0, false);
}

export interface PythonParam {
  /** The property name the tool expects. */
  wire: string;
  /** The Python parameter name. */
  name: string;
  /** Source text for the stub's signature. */
  annotation: string;
  /** The type as people read it (object keys shown). */
  display: string;
  required: boolean;
  description?: string;
}

export function pythonParams(schema: JsonSchema): PythonParam[] {
  const required = new Set(schema.required ?? []);
  const params = Object.entries(schema.properties ?? {}).map(([wire, prop]) => ({
    wire,
    name: pythonIdentifier(wire),
    annotation: pythonType(prop),
    display: pythonTypeText(prop),
    required: required.has(wire),
    description: describe(prop),
  }));
  const seen = new Set<string>();
  for (const p of params) {
    while (seen.has(p.name)) p.name = `${p.name}_`;
    seen.add(p.name);
  }
  // Python wants parameters without defaults first.
  return [...params.filter((p) => p.required), ...params.filter((p) => !p.required)];
}

function describe(prop: JsonSchema): string | undefined {
  const parts = [prop.description?.trim()];
  if (prop.default !== undefined) parts.push(`Default: ${JSON.stringify(prop.default)}.`);
  const text = parts.filter(Boolean).join(" ");
  return text || undefined;
}

/**
 * Escapes text for a triple-quoted Python string. Descriptions can come from an MCP server: a NUL
 * would make the whole prelude uncompilable, other control characters garble help().
 */
function docText(text: string): string {
  return cleanText(text).replace(/\\/g, "\\\\").replace(/"""/g, '\\"\\"\\"');
}

export interface StubSpec {
  /** The name the host knows the tool by. */
  toolName: string;
  /** The Python function name. */
  pythonName: string;
  description: string;
  schema: JsonSchema;
  /** The prelude function that sends the call (default `_codeact_call`). */
  caller?: string;
  /** The docstring's Returns lines (indented), when the caller shapes the result. */
  returns?: string[];
}

/** The Python source of one stub; it calls `_codeact_call(toolName, args)` (or `spec.caller`) from the prelude. */
export function pythonStub(spec: StubSpec): string {
  const params = pythonParams(spec.schema);
  const signature = params.map((p) => `${p.name}: ${p.required ? p.annotation : `Optional[${p.annotation.replace(/^Optional\[(.*)\]$/, "$1")}]`}${p.required ? "" : " = None"}`);
  // Every line of a multi-line description indented like the rest, or help() shows the Args block askew.
  const doc = docText(spec.description.trim() || `Calls the host tool "${spec.toolName}".`).split("\n");
  if (params.length) {
    doc.push("", "Args:");
    for (const p of params) doc.push(`    ${p.name} (${docText(p.display)}${p.required ? "" : ", optional"}): ${docText(p.description ?? "")}`.trimEnd());
    if (params.some((p) => p.display.includes("?:"))) doc.push("", "    Keys marked ? may be left out.");
  }
  doc.push("", "Returns:", ...(spec.returns ?? ["    The tool's result, decoded from JSON (str, int, float, bool, list, dict or None)."]), "", "Raises:", "    ToolError: the tool failed; the message says why.");
  const args = params.map((p) => `${JSON.stringify(p.wire)}: ${p.name}`).join(", ");
  const optional = params.filter((p) => !p.required).map((p) => JSON.stringify(p.wire));
  const body = [
    `    _args = {${args}}`,
    ...(optional.length ? [`    for _k in (${optional.join(", ")},):`, "        if _args[_k] is None:", "            del _args[_k]"] : []),
    `    return ${spec.caller ?? "_codeact_call"}(${JSON.stringify(spec.toolName)}, _args)`,
  ];
  return [`def ${spec.pythonName}(${signature.join(", ")}) -> Any:`, `    """${doc.join("\n    ").replace(/\n {4}\n/g, "\n\n")}\n    """`, ...body, ""].join("\n");
}
