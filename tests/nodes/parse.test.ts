import { extractJson, parseAction } from "../../nodes/prompting/parse";

describe("parseAction", () => {
  it("reads the CodeAct paper's <execute> format with the thought before it", () => {
    const a = parseAction("I'll load the file first.\n<execute>\nimport pandas as pd\ndf = pd.read_csv('x.csv')\n</execute>");
    expect(a).toEqual({ kind: "code", code: "import pandas as pd\ndf = pd.read_csv('x.csv')", thought: "I'll load the file first." });
  });

  it("reads fenced python blocks from chat models (python, py, ipython, bare)", () => {
    expect(parseAction("Sure:\n```python\nprint(1)\n```")).toMatchObject({ kind: "code", code: "print(1)" });
    expect(parseAction("```py\nx = 2\n```")).toMatchObject({ kind: "code", code: "x = 2" });
    expect(parseAction("```ipython\n%timeit 1\n```")).toMatchObject({ kind: "code", code: "%timeit 1" });
    expect(parseAction("```\nprint('bare')\n```")).toMatchObject({ kind: "code", code: "print('bare')" });
  });

  it("strips a fence nested inside <execute>", () => {
    expect(parseAction("<execute>\n```python\nprint(3)\n```\n</execute>")).toMatchObject({ kind: "code", code: "print(3)" });
  });

  it("sends code that contains the text </execute> (one block runs to its last closing tag)", () => {
    expect(parseAction('Print the tag.\n<execute>\nprint("</execute>")\n</execute>')).toEqual({ kind: "code", code: 'print("</execute>")', thought: "Print the tag." });
    const fenced = parseAction('<execute>\n```python\ns = "<execute>x</execute>"\nprint(s)\n```\n</execute>');
    expect(fenced).toMatchObject({ kind: "code", code: 's = "<execute>x</execute>"\nprint(s)' });
  });

  it("never runs a nested <execute> tag as code of its own, and says why", () => {
    const a = parseAction("<execute>\nx = 1\n<execute>\nimport os; os.remove('f')\n</execute>\n</execute>");
    expect(a.kind).toBe("invalid");
    expect((a as { reason: string }).reason).toMatch(/contained another <execute> tag/);
    expect((a as { reason: string }).reason).not.toMatch(/not closed/);
  });

  it("reads a final answer", () => {
    expect(parseAction("Done.\n<solution>\nThe mean is 4.2\n</solution>")).toEqual({ kind: "answer", answer: "The mean is 4.2", thought: "Done." });
  });

  it("ignores JSON shown in a bare fence (it is not code)", () => {
    expect(parseAction("The result looks like\n```\n{\"a\": 1}\n```\n<solution>a is 1</solution>")).toMatchObject({ kind: "answer", answer: "a is 1" });
  });

  it.each([
    ["", /no action/],
    ["Let me think about this problem step by step.", /no action/],
    ["<execute>\nprint(1)\n", /<execute> tag was not closed/],
    ["<solution>42", /<solution> tag was not closed/],
    ["```python\nprint(1)\n", /fence was not closed/],
    ["<execute>a=1</execute> then <execute>b=2</execute>", /2 code blocks/],
    ["```python\na=1\n```\nand\n```python\nb=2\n```", /2 code blocks/],
    ["<execute>print(1)</execute>\n<solution>1</solution>", /both code to run and a final answer/],
    ["<solution>1</solution><solution>2</solution>", /several <solution>/],
    ["<solution>   </solution>", /empty/],
    ["<execute>   </execute>", /no action/],
  ])("refuses malformed output %j", (text, reason) => {
    const a = parseAction(text);
    expect(a.kind).toBe("invalid");
    expect((a as { reason: string }).reason).toMatch(reason);
  });

  it("refuses a huge response instead of running it", () => {
    const a = parseAction(`<execute>\n${"x = 1\n".repeat(20_000)}</execute>`, { maxChars: 40_000 });
    expect(a).toMatchObject({ kind: "invalid" });
    expect((a as { reason: string }).reason).toMatch(/over the 40000 limit/);
  });
});

describe("the step-done marker", () => {
  it("marks a code action, stands alone as a claim, and counts only outside the code", () => {
    expect(parseAction("Finish the step.\n<execute>\nprint(1)\n</execute>\n<step_done/>")).toMatchObject({ kind: "code", code: "print(1)", stepDone: true });
    expect(parseAction("The table above meets the criterion. <step_done/>")).toMatchObject({ kind: "claim" });
    expect(parseAction("<execute>\nprint('<step_done/>')\n</execute>")).not.toHaveProperty("stepDone");
    expect(parseAction("```python\nprint('<step_done/>')\n```")).not.toHaveProperty("stepDone");
    expect(parseAction("nothing to do")).toMatchObject({ kind: "invalid" });
  });
});

describe("extractJson", () => {
  it("finds JSON in fences or prose", () => {
    expect(extractJson('```json\n{"steps": []}\n```')).toEqual({ steps: [] });
    expect(extractJson('Here is the plan: {"steps": [{"description": "a"}]} hope it helps')).toEqual({ steps: [{ description: "a" }] });
    expect(() => extractJson("no json here")).toThrow(/no JSON/);
    expect(() => extractJson('{"a": ')).toThrow();
  });
});
