/** What an MCP server sends is hostile: names, descriptions and results are made safe before the kernel sees them. */
import { spawnSync } from "node:child_process";
import { boundToolResult, cleanText } from "../../tools/bounds";
import { assignToolNames } from "../../tools/mcp";
import { boundWire, wireToolResult } from "../../tools/mcp-content";
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
  it("every block is kept, checked and made inert: text cleaned, MIME types checked, unknown blocks noted, structured content cleaned", () => {
    const r = wireToolResult("s\u001b", {
      content: [
        { type: "text", text: "a\u0000b" },
        { type: "image", data: "iVBO Rw==", mimeType: "image/png" },
        { type: "audio", data: "AAAA", mimeType: "<script>" },
        { type: "resource", resource: { uri: "x://1\u001b[2J", text: "doc" } },
        { type: "resource_link", uri: "x://2", name: "two" },
        { type: "html", html: "<b>" },
        { type: "image", data: "not base64!", mimeType: "image/png" },
      ],
      structuredContent: { t: "\u001b[31mred" },
    });
    expect(r).toEqual({
      codeact_mcp: 1,
      server: "s",
      content: [
        { type: "text", text: "ab" },
        { type: "image", mime_type: "image/png", data: "iVBORw==" },
        { type: "audio", mime_type: "application/octet-stream", data: "AAAA" },
        { type: "resource", uri: "x://1[2J", mime_type: "text/plain", text: "doc" },
        { type: "resource_link", uri: "x://2", name: "two", description: "", mime_type: "" },
        { type: "omitted", note: 'a content block of type "html" that is not valid MCP content was left out' },
        { type: "omitted", note: 'a content block of type "image" that is not valid MCP content was left out' },
      ],
      structured: { t: "[31mred" },
    });
  });

  it("past the limit the largest payloads are left out first, each with a note; the text survives", () => {
    const r = boundWire({ content: [{ type: "text" as const, text: "keep me" }, { type: "image" as const, mime_type: "image/png", data: "A".repeat(50_000) }] }, 10_000);
    expect(r.content[0]).toEqual({ type: "text", text: "keep me" });
    expect(r.content[1]).toMatchObject({ type: "omitted", note: expect.stringMatching(/^image \(image\/png\) of 50,000 characters was left out/) });
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
