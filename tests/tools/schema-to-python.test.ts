import { spawnSync } from "node:child_process";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { Calculator } from "@langchain/community/tools/calculator";
import { pythonIdentifier, pythonStub, pythonType, pythonTypeText } from "../../tools/schema-to-python";
import { argumentProblems } from "../../tools/arg-errors";
import { ToolBridge } from "../../tools/bridge";
import { ToolRegistry } from "../../tools/registry";

function compiles(source: string): { ok: boolean; err: string } {
  const r = spawnSync("python3", ["-c", "import ast, sys; ast.parse(sys.stdin.read())"], { input: source, encoding: "utf8" });
  return { ok: r.status === 0, err: r.stderr };
}

describe("JSON schema → Python", () => {
  it("maps types, unions, enums and nullability", () => {
    expect(pythonType({ type: "string" })).toBe("str");
    expect(pythonType({ type: "integer" })).toBe("int");
    expect(pythonType({ type: "number" })).toBe("float");
    expect(pythonType({ type: "boolean" })).toBe("bool");
    expect(pythonType({ type: "array", items: { type: "integer" } })).toBe("list[int]");
    expect(pythonType({ type: "array", items: { type: "array", items: { type: "string" } } })).toBe("list[list[str]]");
    expect(pythonType({ type: "object" })).toBe("dict");
    expect(pythonType({ enum: ["a", "b"] })).toBe('Literal["a", "b"]');
    expect(pythonType({ anyOf: [{ type: "string" }, { type: "null" }] })).toBe("Optional[str]");
    expect(pythonType({ anyOf: [{ type: "string" }, { type: "number" }] })).toBe("Union[str, float]");
    expect(pythonType({ type: ["integer", "null"] })).toBe("Optional[int]");
    expect(pythonType({})).toBe("Any");
  });

  it("spells out object keys, nested and in lists (`?`: optional), bounded in depth and count, hostile keys quoted", () => {
    const filter = { type: "object", properties: { field: { type: "string" }, "op\u001b-x": { enum: ["eq", "ne"] }, deep: { type: "object", properties: { a: { type: "object", properties: { b: { type: "object", properties: { c: { type: "number" } } } } } } } }, required: ["field"] };
    expect(pythonTypeText({ type: "array", items: filter })).toBe('list[{field: str, "op-x"?: Literal["eq", "ne"], deep?: {a?: {b?: {…}}}}]');
    expect(pythonType({ type: "array", items: { type: "object", properties: { a: { type: "number" } } } })).toBe('list[_codeact_shape("{a?: float}")]');
    const wide = { type: "object", properties: Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, { type: "integer" }])) };
    expect(pythonTypeText(wide)).toMatch(/k11\?: int, … 8 more\}$/);
    expect(pythonTypeText({ type: "object" })).toBe("dict");
  });

  it("names the field and what was expected when arguments do not fit", () => {
    const schema = { type: "object", properties: { from: { type: "string" }, units: { enum: ["C", "F"] }, filters: { type: "array", items: { type: "object", properties: { field: { type: "string" } }, required: ["field"], additionalProperties: false } } }, required: ["from"] };
    const names = (w: string) => (w === "from" ? "from_" : w);
    expect(argumentProblems(schema, { from: 3, units: "K", filters: [{ field: "a" }, { fied: "b" }] }, names)).toBe(
      'from_: expected str, got int 3; units: expected one of "C", "F", got str "K"; filters[1].field: missing (required); filters[1].fied: not an accepted key (accepted: field)',
    );
    expect(argumentProblems(schema, { from: "x" })).toBeUndefined();
  });

  it("makes safe parameter names (they may shadow builtins: they are local to the stub)", () => {
    expect(pythonIdentifier("get-weather")).toBe("get_weather");
    expect(pythonIdentifier("class")).toBe("class_");
    expect(pythonIdentifier("from")).toBe("from_");
    expect(pythonIdentifier("3d")).toBe("_3d");
    expect(pythonIdentifier("input")).toBe("input");
    expect(pythonIdentifier("type")).toBe("type");
  });

  it("writes a stub with required parameters first, optional ones defaulting to None, and a docstring", () => {
    const source = pythonStub({
      toolName: "search-db",
      pythonName: "search_db",
      description: 'Finds rows. Quotes """ and back\\slashes survive.',
      schema: {
        type: "object",
        properties: {
          limit: { type: "integer", description: "Max rows", default: 10 },
          query: { type: "string", description: "What to find" },
          from: { type: "string", description: "Start date" },
          filters: { type: "object", properties: { a: { type: "number" } } },
        },
        required: ["query"],
      },
    });
    expect(source).toContain('def search_db(query: str, limit: Optional[int] = None, from_: Optional[str] = None, filters: Optional[_codeact_shape("{a?: float}")] = None) -> Any:');
    expect(source).toContain("query (str): What to find");
    expect(source).toContain("limit (int, optional): Max rows Default: 10.");
    expect(source).toContain('_args = {"query": query, "limit": limit, "from": from_, "filters": filters}');
    expect(source).toContain('return _codeact_call("search-db", _args)');
    expect(compiles(source)).toEqual({ ok: true, err: "" });
  });

  it("renders a whole prelude that Python accepts, for zod tools and for Calculator", () => {
    const weather = tool(async () => "sunny", {
      name: "weather",
      description: "Weather.\nSecond line.",
      schema: z.object({ city: z.string(), days: z.array(z.number()).optional(), mode: z.enum(["fast", "slow"]) }),
    });
    const bridge = new ToolBridge([weather, new Calculator()]);
    const prelude = bridge.prelude();
    expect(prelude).toContain('def weather(city: str, mode: Literal["fast", "slow"], days: Optional[list[float]] = None) -> Any:');
    expect(prelude).toContain("def calculator(input: Optional[str] = None) -> Any:");
    expect(compiles(prelude)).toEqual({ ok: true, err: "" });
  });

  it("gives duplicate tool names and Python name clashes distinct names, the first keeping its own", () => {
    const a = tool(async () => 1, { name: "a-b", description: "", schema: z.object({}) });
    const b = tool(async () => 1, { name: "a_b", description: "", schema: z.object({}) });
    const a2 = tool(async () => 2, { name: "a-b", description: "", schema: z.object({}) });
    expect(new ToolRegistry([a, a2]).entries().map((e) => [e.callName, e.pythonName])).toEqual([["a-b", "a_b"], ["a-b#2", "tool_a_b"]]);
    expect(() => new ToolRegistry([a, a])).toThrow(/the same tool/);
    expect(new ToolRegistry([a, b]).entries().map((e) => [e.callName, e.pythonName, e.rename])).toEqual([
      ["a-b", "a_b", undefined],
      ["a_b", "tool_a_b", { from: "a_b", why: "taken" }],
    ]);
  });
});
