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

/** A Python type annotation for a schema (as source text). */
export function pythonType(schema: JsonSchema | undefined): string {
  if (!schema) return "Any";
  if (schema.enum) return `Literal[${schema.enum.map(literal).join(", ")}]`;
  if (schema.const !== undefined) return `Literal[${literal(schema.const)}]`;
  const union = schema.anyOf ?? schema.oneOf;
  if (union) {
    const nonNull = union.filter((s) => s.type !== "null");
    const inner = [...new Set(nonNull.map(pythonType))];
    const core = inner.length === 1 ? inner[0]! : `Union[${inner.join(", ")}]`;
    return nonNull.length < union.length ? `Optional[${core}]` : core;
  }
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
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
        return `list[${pythonType(schema.items)}]`;
      case "object":
        return "dict";
      default:
        return "Any";
    }
  };
  if (nonNull.length === 0) return "Any";
  const core = nonNull.length === 1 ? one(nonNull[0]!) : `Union[${nonNull.map(one).join(", ")}]`;
  return nonNull.length < types.length ? `Optional[${core}]` : core;
}

export interface PythonParam {
  /** The property name the tool expects. */
  wire: string;
  /** The Python parameter name. */
  name: string;
  annotation: string;
  required: boolean;
  description?: string;
}

export function pythonParams(schema: JsonSchema): PythonParam[] {
  const required = new Set(schema.required ?? []);
  const params = Object.entries(schema.properties ?? {}).map(([wire, prop]) => ({
    wire,
    name: pythonIdentifier(wire),
    annotation: pythonType(prop),
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
}

/** The Python source of one stub; it calls `_codeact_call(toolName, args)` from the prelude. */
export function pythonStub(spec: StubSpec): string {
  const params = pythonParams(spec.schema);
  const signature = params.map((p) => `${p.name}: ${p.required ? p.annotation : `Optional[${p.annotation.replace(/^Optional\[(.*)\]$/, "$1")}]`}${p.required ? "" : " = None"}`);
  // Every line of a multi-line description indented like the rest, or help() shows the Args block askew.
  const doc = docText(spec.description.trim() || `Calls the host tool "${spec.toolName}".`).split("\n");
  if (params.length) {
    doc.push("", "Args:");
    for (const p of params) doc.push(`    ${p.name} (${p.annotation}${p.required ? "" : ", optional"}): ${docText(p.description ?? "")}`.trimEnd());
  }
  doc.push("", "Returns:", "    The tool's result, decoded from JSON (str, int, float, bool, list, dict or None).", "", "Raises:", "    ToolError: the tool failed; the message says why.");
  const args = params.map((p) => `${JSON.stringify(p.wire)}: ${p.name}`).join(", ");
  const optional = params.filter((p) => !p.required).map((p) => JSON.stringify(p.wire));
  const body = [
    `    _args = {${args}}`,
    ...(optional.length ? [`    for _k in (${optional.join(", ")},):`, "        if _args[_k] is None:", "            del _args[_k]"] : []),
    `    return _codeact_call(${JSON.stringify(spec.toolName)}, _args)`,
  ];
  return [`def ${spec.pythonName}(${signature.join(", ")}) -> Any:`, `    """${doc.join("\n    ").replace(/\n {4}\n/g, "\n\n")}\n    """`, ...body, ""].join("\n");
}
