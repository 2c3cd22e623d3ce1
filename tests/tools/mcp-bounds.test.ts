/** What an MCP server sends is hostile: names, descriptions and results are made safe before the kernel sees them. */
import { spawnSync } from "node:child_process";
import { boundToolResult, cleanText } from "../../tools/bounds";
import { assignToolNames, mcpResultValue } from "../../tools/mcp";
import { pythonStub } from "../../tools/schema-to-python";

describe("MCP tool names", () => {
  it("keep their own Python name when unique and not the kernel's; collisions across servers or with module tools, and reserved names, get the server's name", () => {
    const names = assignToolNames(
      [
        { server: "github", tools: [{ name: "search" }, { name: "create-issue" }, { name: "print" }] },
        { server: "web-search", tools: [{ name: "search" }, { name: "fetch" }, { name: "convert" }] },
      ],
      ["convert"],
    );
    expect(names.map((s) => s.map((n) => n.name))).toEqual([
      ["github__search", "create_issue", "github__print"],
      ["web_search__search", "fetch", "web_search__convert"],
    ]);
    expect(names[0]![2]!.rename).toEqual({ from: "print", why: "reserved" });
    expect(names[1]![2]!.rename).toEqual({ from: "convert", why: "taken" });
    expect(names[0]![1]!.rename).toBeUndefined();
  });

  it("two tools whose names differ only in punctuation still get distinct identifiers", () => {
    expect(assignToolNames([{ server: "s", tools: [{ name: "a-b" }, { name: "a.b" }] }], []).map((s) => s.map((n) => n.name))).toEqual([["s__a_b", "s__a_b_2"]]);
  });
});

describe("MCP results", () => {
  it("structured content becomes a dict, text a str, several text blocks one str", () => {
    expect(mcpResultValue("5", [{ type: "mcp_structured_content", data: { sum: 5 } }])).toEqual({ sum: 5 });
    expect(mcpResultValue("hello", [])).toBe("hello");
    expect(mcpResultValue([{ type: "text", text: "a" }, { type: "text", text: "b" }], [])).toBe("a\nb");
    expect(mcpResultValue([{ type: "text", text: "a" }, { type: "image", data: "iVBOR", mimeType: "image/png" }], [])).toEqual(["a", { type: "image", data: "iVBOR", mimeType: "image/png" }]);
  });

  it("control characters removed, lone surrogates replaced, a huge result cut with a note", () => {
    expect(boundToolResult({ t: "\u001b[31mred\u0000\ud800ok\ttab\nline" })).toEqual({ t: "[31mred\ufffdok\ttab\nline" });
    const cut = boundToolResult("x".repeat(50_000), 10_000) as string;
    expect(cut.length).toBeLessThan(10_200);
    expect(cut).toMatch(/… \[cut: the tool's result was 50,002 characters; the limit is 10,000\]$/);
    const big = boundToolResult({ rows: Array(5_000).fill("row") }, 1_000) as string;
    expect(typeof big).toBe("string");
    expect(big.startsWith('{"rows":["row"')).toBe(true);
    expect(cleanText("a\u009bb\u007fc")).toBe("abc");
  });

  it("a description with a NUL, escapes and triple quotes still makes a stub Python can compile", () => {
    const stub = pythonStub({ toolName: "t", pythonName: "t", description: 'bad\u0000 \u001b[2J """ end\nsecond line', schema: { type: "object", properties: {} } });
    expect(stub).not.toMatch(/[\u0000\u001b]/);
    expect(stub).toContain('\\"\\"\\" end');
    expect(stub).toContain("\n    second line");
    const compiled = spawnSync("python3", ["-c", "import sys; compile(sys.stdin.read(), 'stub', 'exec')"], { input: `from typing import Any, Optional\n${stub}`, encoding: "utf8" });
    expect(compiled.stderr).toBe("");
    expect(compiled.status).toBe(0);
  });
});
