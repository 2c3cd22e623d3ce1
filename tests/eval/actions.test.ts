/** The paper's action formats: what a reply is read as. */
import { parseAsCodeAction, parseFormattedAction, toolCallCode } from "../../nodes/prompting/actions";

describe("parseFormattedAction", () => {
  it("reads a code action between 'Action:' and 'End Action', fences and thoughts included", () => {
    expect(parseFormattedAction("Thought: add.\nAction:\n```python\nprint(1 + 1)\n```\nEnd Action", "code")).toEqual({ kind: "code", code: "print(1 + 1)", thought: "Thought: add." });
    expect(parseFormattedAction("Action:\nx = 1\nprint(x)\nEnd Action\nAnswer: 1", "code")).toMatchObject({ kind: "code", code: "x = 1\nprint(x)" });
  });

  it("reads this project's own tags in the code format (CodeActAgent-style models)", () => {
    expect(parseFormattedAction("<execute>print(2)</execute>", "code")).toMatchObject({ kind: "code", code: "print(2)" });
    expect(parseFormattedAction("<solution>4</solution>", "code")).toMatchObject({ kind: "answer", answer: "4" });
  });

  it("reads a JSON action as one tool call, keeping the argument text (3.0 stays a float for Python)", () => {
    expect(parseFormattedAction('Action: {"tool": "f", "args": [3.0, "a,b"]} End Action', "json")).toEqual({ kind: "tool", tool: "f", args: '[3.0, "a,b"]', convert: false, thought: "" });
    expect(parseFormattedAction('Action: {"tool": "f", "args": "x"} End Action', "json")).toMatchObject({ kind: "tool", tool: "f", args: '["x"]' });
    expect(parseFormattedAction("Action: {tool: f} End Action", "json")).toMatchObject({ kind: "invalid" });
    expect(parseFormattedAction('Action: {"args": []} End Action', "json")).toMatchObject({ kind: "invalid" });
  });

  it("reads a text action as a tool name and comma-separated arguments", () => {
    expect(parseFormattedAction("Action: get_price, widget End Action", "text")).toEqual({ kind: "tool", tool: "get_price", args: '[" widget"]', convert: true, thought: "" });
    expect(parseFormattedAction("Action: , x End Action", "text")).toMatchObject({ kind: "invalid" });
  });

  it("an answer is the text after 'Answer:'; the first marker wins; no marker is invalid", () => {
    expect(parseFormattedAction("Thought: done.\nAnswer: 41.25", "json")).toEqual({ kind: "answer", answer: "41.25", thought: "Thought: done." });
    expect(parseFormattedAction("Answer: 3\nAction: f, 1 End Action", "text")).toMatchObject({ kind: "answer", answer: "3\nAction: f, 1 End Action" });
    expect(parseFormattedAction("I think it is 3", "text")).toMatchObject({ kind: "invalid" });
    expect(parseFormattedAction("Answer:   ", "code")).toMatchObject({ kind: "invalid" });
    expect(parseFormattedAction(`Action: ${"x".repeat(50_000)}`, "code")).toMatchObject({ kind: "invalid" });
  });
});

describe("tool calls as code (the full graph's JSON/text formats)", () => {
  it("refuses a tool name that is not a Python identifier: nothing the model wrote is spliced into code", () => {
    expect(toolCallCode("__import__('os').system('id')#", "[]", false)).toEqual({ invalid: expect.stringContaining("is not a tool name") });
    expect(parseAsCodeAction('Action: {"tool": "f(1);g", "args": []} End Action', "json")).toMatchObject({ kind: "invalid" });
  });

  it("passes arguments as base64 JSON, whatever they contain", () => {
    const code = toolCallCode("f", JSON.stringify(["\")); import os; (\""]), false) as string;
    expect(code).toMatch(/^print\(f\(\*__import__\("json"\)\.loads\(__import__\("base64"\)\.b64decode\("[A-Za-z0-9+/=]+"\)\)\)\)$/);
    expect(parseAsCodeAction("Action: f, 1, x End Action", "text")).toMatchObject({ kind: "code", code: expect.stringContaining("_text_arg") });
  });
});
