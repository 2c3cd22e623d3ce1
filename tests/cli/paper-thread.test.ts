/**
 * A paper-agent thread (`codeact eval --agent paper`, scripted replies, the Docker kernel) reads
 * like any thread through the real commands: `history` (text and --json) and the ipynb and HTML
 * exports show its actions as cells, their observations, the checker's verdict on a wrong answer
 * where it came, and the answer. Its state's `turns` is a number, which used to crash all three.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact } from "./helpers";

let home: string;
let db: string;
let thread: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "codeact-paper-thread-"));
  db = join(home, "c.sqlite");
  const script = join(home, "script.json");
  const replies = [
    "Action:\nprint(min(list_items('tools'), key=price_of))\nEnd Action",
    "Thought: the tool is get_price.\nAction:\nprint(min(list_items('tools'), key=get_price))\nEnd Action",
    "Answer: <b>hammer</b>",
    "Answer: widget",
  ];
  writeFileSync(script, JSON.stringify({ tasks: { cheapest_tool: { code: replies } } }));
  const out = join(home, "eval");
  const run = await codeact(["eval", "toolbox", "--agent", "paper", "--tasks", "^cheapest_tool$", "--out", out, "--checkpoints", db, "--scripted", script, "--executor", "docker"]);
  expect(run.code).toBe(0);
  const result = JSON.parse(readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n")[0]!) as { threadId: string; correct: boolean };
  expect(result.correct).toBe(true);
  thread = result.threadId;
}, 240_000);
afterAll(() => rmSync(home, { recursive: true, force: true }));

it("shows a paper thread's turn, cells and checkpoints in `codeact history`", async () => {
  const text = await codeact(["history", thread, "--checkpoints", db]);
  expect(text.stderr).toBe("");
  expect(text.code).toBe(0);
  expect(text.stdout).toContain("turn 1 (done): Which item in the 'tools' category");
  expect(text.stdout).toContain("answer: widget  (2 cells)");
  expect(text.stdout).toMatch(/2 cells, last ok: print\(min\(list_items\('tools'\), key=get_price\)\)/);
  expect(text.stdout).toContain("critic: next — Answer \"<b>hammer</b>\": Your answer is incorrect.");

  const json = await codeact(["history", thread, "--checkpoints", db, "--json"]);
  expect(json.code).toBe(0);
  const entries = JSON.parse(json.stdout) as { summary: string; next: string[] }[];
  expect(entries.length).toBeGreaterThanOrEqual(4);
  expect(entries.at(-1)!.summary).toContain("status done");
}, 120_000);

it("exports a paper thread as a notebook and as an HTML page", async () => {
  const ipynb = join(home, "paper.ipynb");
  const nb = await codeact(["export", thread, "--format", "ipynb", "-o", ipynb, "--checkpoints", db]);
  expect(nb.stderr).toBe("");
  expect(nb.code).toBe(0);
  const notebook = JSON.parse(readFileSync(ipynb, "utf8")) as { cells: { cell_type: string; source: string; outputs?: { text?: string }[] }[] };
  const code = notebook.cells.filter((c) => c.cell_type === "code");
  expect(code.map((c) => c.source)).toEqual(["print(min(list_items('tools'), key=price_of))", "print(min(list_items('tools'), key=get_price))"]);
  expect(code[0]!.outputs![0]!.text).toContain("NameError");
  expect(code[1]!.outputs![0]!.text).toContain("widget");
  const md = notebook.cells.filter((c) => c.cell_type === "markdown").map((c) => c.source).join("\n");
  expect(md).toContain("&lt;b>hammer&lt;/b>");
  expect(md).toContain("## Answer\n\nwidget");

  const html = join(home, "paper.html");
  const page = await codeact(["export", thread, "--format", "html", "-o", html, "--checkpoints", db]);
  expect(page.code).toBe(0);
  const body = readFileSync(html, "utf8");
  expect(body).toContain("print(min(list_items(&#39;tools&#39;), key=get_price))".replace(/&#39;/g, "'"));
  expect(body).toContain("&lt;b&gt;hammer&lt;/b&gt;");
  expect(body).not.toContain("<b>hammer</b>");
}, 120_000);
