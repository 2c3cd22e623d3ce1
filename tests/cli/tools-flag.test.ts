/** `codeact run/resume --tools`: a user's TypeScript/ESM module of LangChain tools, called from Python in the Docker kernel. */
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, root, trajectory } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

/** TypeScript only (a type alias, annotations): loading it proves the .ts path, not just JavaScript. */
const TS_MODULE = `
import { tool } from "@langchain/core/tools";
import { z } from "zod";

type Units = "C" | "F";
const toUnits = (celsius: number, to: Units): number => (to === "F" ? (celsius * 9) / 5 + 32 : celsius);

export const convert = tool(async ({ celsius, to }: { celsius: number; to: Units }) => ({ value: toUnits(celsius, to), units: to }), {
  name: "convert-temperature",
  description: "Converts a temperature in Celsius.",
  schema: z.object({ celsius: z.number().describe("degrees Celsius"), to: z.enum(["C", "F"]) }),
});
export const notATool: number = 42;
export default [tool(async ({ n }: { n: number }) => n * 2, { name: "double", description: "Doubles a number.", schema: z.object({ n: z.number() }) })];
`;

const MJS_MODULE = `
import { tool } from "@langchain/core/tools";
import { z } from "zod";
export const greet = tool(async ({ name }) => "hello " + name, { name: "greet", description: "Greets.", schema: z.object({ name: z.string() }) });
`;

describe("codeact --tools", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-tools-"));
    // The user's project has its own node_modules; here, the repository's.
    symlinkSync(join(root, "node_modules"), join(dir, "node_modules"), "dir");
    writeFileSync(join(dir, "my-tools.ts"), TS_MODULE);
    writeFileSync(join(dir, "more.mjs"), MJS_MODULE);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("named exports, a default array and a second .mjs module become typed Python functions (run from another folder, relative paths)", async () => {
    writeFileSync(join(dir, "traj.json"), trajectory(['print(convert_temperature(celsius=100, to="F"))\nprint(double(n=21), greet(name="ada"))\nlist_tools()']));
    const run = await codeact(["run", "use my tools", "--tools", "my-tools.ts", "--tools", "./more.mjs", "--scripted", "traj.json", "--executor", "docker", "--memory"], { CODEACT_HOME: dir }, { cwd: dir });
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("{'value': 212, 'units': 'F'}");
    expect(run.stdout).toContain("42 hello ada");
    expect(run.stdout).toContain("convert_temperature(celsius: float, to: Literal[\"C\", \"F\"]) — Converts a temperature in Celsius.");
    expect(run.stdout).toContain("double(n: float) — Doubles a number.");
  });

  it("resume loads the recorded tools again (no flags typed): the kernel rebuilt after a pause still has them", async () => {
    const db = join(dir, "db.sqlite");
    writeFileSync(join(dir, "traj.json"), trajectory(["print('r1', double(n=5))", "print('r2', double(n=7))"]));
    const first = await codeact(["run", "x", "--tools", join(dir, "my-tools.ts"), "--approve", "--scripted", join(dir, "traj.json"), "--executor", "docker", "--checkpoints", db, "--thread", "tools-resume"], { CODEACT_HOME: dir }, { input: "a\n" });
    expect(first.code).toBe(1); // input ended at the second approval
    expect(first.stdout).toContain("r1 10");
    const resumed = await codeact(["resume", "tools-resume", "--checkpoints", db], { CODEACT_HOME: dir }, { input: "a\na\na\na\n" });
    expect(resumed.stderr).not.toMatch(/ToolError|NameError/);
    expect(resumed.stdout).toContain("r2 14");
    // The person sees which tool module the record loads on the host.
    expect(resumed.stderr).toContain("with the thread's recorded settings: ");
    expect(resumed.stderr).toContain(`--tools ${join(dir, "my-tools.ts")}`);
  }, 180_000);

  it("a module without tools, a module that throws, a module given twice, a missing file: one line naming the file, nothing started", async () => {
    writeFileSync(join(dir, "empty.ts"), "export const x: number = 1;\nexport function f() { return 2; }\n");
    writeFileSync(join(dir, "throws.ts"), 'throw new Error("no API key for the weather service");\nexport {};\n');
    writeFileSync(join(dir, "traj.json"), trajectory(["print(1)"]));
    const run = (mod: string) => codeact(["run", "x", "--tools", mod, "--scripted", join(dir, "traj.json"), "--memory"], { CODEACT_HOME: dir }, { cwd: dir });

    const empty = await run("empty.ts");
    expect(empty.code).toBe(EXIT_CODES.tool);
    expect(empty.stderr).toContain(`--tools ${join(dir, "empty.ts")}: the module exports no LangChain tools (exports: f, x)`);
    expect(empty.stderr).not.toContain("Plan");

    const throws = await run("throws.ts");
    expect(throws.code).toBe(EXIT_CODES.tool);
    expect(throws.stderr).toContain(`--tools ${join(dir, "throws.ts")}: the module failed to load: no API key for the weather service`);
    expect(throws.stderr).not.toMatch(/\n\s+at /);

    const twice = await codeact(["run", "x", "--tools", "my-tools.ts", "--tools", "my-tools.ts", "--scripted", "traj.json", "--memory"], { CODEACT_HOME: dir }, { cwd: dir });
    expect(twice.code).toBe(EXIT_CODES.tool);
    expect(twice.stderr).toContain("my-tools.ts: given twice; name each tool module once.");

    const missing = await run("nope.ts");
    expect(missing.code).toBe(EXIT_CODES.usage);
    expect(missing.stderr).toContain(`--tools nope.ts: no such file (${join(dir, "nope.ts")})`);

    writeFileSync(join(dir, "tools.txt"), "");
    const wrongKind = await run("tools.txt");
    expect(wrongKind.stderr).toContain("a tool module must end in .ts");
  }, 120_000);
});
