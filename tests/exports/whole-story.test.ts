/**
 * Exports tell the whole story of a real run (scripted models, Docker kernel, a --tools tool that
 * fails, an input file): the HTML page and the notebook show the coder's thoughts, the plan where it
 * was given, the input files, and tracebacks without codeact's glue frames; the page wraps long
 * lines (the answer is never clipped) and everything from the run stays inert.
 */
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, root } from "../cli/helpers";

const TOOLS = `import { tool } from "@langchain/core/tools";
import { z } from "zod";
export const boom = tool(async ({ n }) => { throw new Error("service down " + n); }, { name: "boom", description: "Fails.", schema: z.object({ n: z.number() }) });
`;
const LONG = `answer ${"x".repeat(600)} end`;

describe("exports tell the whole story", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-story-"));
    env = { CODEACT_HOME: home };
    symlinkSync(join(root, "node_modules"), join(home, "node_modules"));
    writeFileSync(join(home, "tools.mjs"), TOOLS);
    writeFileSync(join(home, "data.csv"), "a,b\n1,2\n");
    writeFileSync(
      join(home, "t.json"),
      JSON.stringify({
        planner: ['{"steps": [{"description": "read the <i>data</i>", "doneCriterion": "printed"}]}'],
        coder: [
          "First I call <b>boom</b>\u001b[2J to see.\n<execute>\ndef f(x):\n    return boom(n=x)\nf(3)\n</execute>",
          "The tool is down; read the input instead.\n<execute>\nprint(open('/workspace/inputs/data.csv').read())\n</execute>",
          `<solution>${LONG}</solution>`,
        ],
        critic: [JSON.stringify({ verdict: "done", answer: LONG })],
      }),
    );
    const run = await codeact(["run", "Read the data", "--scripted", join(home, "t.json"), "--tools", join(home, "tools.mjs"), "--input", join(home, "data.csv"), "--executor", "docker", "--thread", "story"], env);
    if (run.code !== 0) throw new Error(run.stdout + run.stderr);
    // The terminal too: the person's frames, not the bridge's.
    expect(run.stdout).toContain("----> 2     return boom(n=x)");
    expect(run.stdout).toContain("[2 frames of codeact's tool bridge left out]");
    expect(run.stdout).not.toContain("_codeact_call");
  }, 180_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("HTML: thoughts, the plan in place, input files, glue-free tracebacks, wrapped lines, all inert", async () => {
    const out = join(home, "story.html");
    expect((await codeact(["export", "story", "--format", "html", "-o", out], env)).code).toBe(0);
    const page = readFileSync(out, "utf8");
    expect(page).toContain('<p class="thought">First I call &lt;b&gt;boom&lt;/b&gt;␛[2J to see.</p>');
    expect(page).toContain("The tool is down; read the input instead.");
    expect(page).toMatch(/<h3>Plan<\/h3><pre>1\. read the &lt;i&gt;data&lt;\/i&gt; \(done when: printed\)<\/pre>[\s\S]*First I call/);
    expect(page).toMatch(/Input files[\s\S]*<li>data\.csv \(8 B\)<\/li>/);
    expect(page).toContain("return boom(n=x)");
    expect(page).toContain("[2 frames of codeact's tool bridge left out]");
    expect(page).not.toContain("_codeact_call");
    expect(page).toContain(LONG);
    expect(page).toMatch(/pre\{[^}]*white-space:pre-wrap/);
    expect(page).not.toMatch(/<b>boom|<i>data|\u001b/);
  });

  it("notebook: the thought above its cell, the plan, the inputs, a traceback without glue", async () => {
    const out = join(home, "story.ipynb");
    expect((await codeact(["export", "story", "--format", "ipynb", "-o", out], env)).code).toBe(0);
    const nb = JSON.parse(readFileSync(out, "utf8")) as { cells: { cell_type: string; source: string | string[]; outputs?: { output_type: string; traceback?: string[] }[] }[] };
    const src = (c: { source: string | string[] }) => (Array.isArray(c.source) ? c.source.join("") : c.source);
    const code = nb.cells.findIndex((c) => c.cell_type === "code");
    expect(src(nb.cells[code - 1]!)).toBe("*Coder:*\n\n> First I call &lt;b>boom&lt;/b>\u001b[2J to see.");
    expect(nb.cells.map(src).join("\n")).toMatch(/\*\*Plan\*\*\n\n> 1\. read the &lt;i>data&lt;\/i> \(done when: printed\)/);
    expect(src(nb.cells[0]!)).toMatch(/\*\*Input files\*\*[\s\S]*- data\\\.csv \(8 B\)/);
    const error = nb.cells[code]!.outputs!.find((o) => o.output_type === "error")!;
    expect(error.traceback!.join("\n")).toContain("return boom(n=x)");
    expect(error.traceback!.join("\n")).not.toContain("_codeact_call");
    expect(error.traceback).toContain("[2 frames of codeact's tool bridge left out]");
  });
});
