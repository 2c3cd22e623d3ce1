/**
 * The package as a user gets it: `npm pack`, installed from the tarball into an empty folder (its
 * dependencies come from the npm registry, once for this file), then the `codeact` bin and the
 * README's library snippet run against the real Docker kernel.
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { kernelImageName } from "../../executors/image";

const root = join(__dirname, "..", "..");
const INSTALL_MS = 10 * 60_000;

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The README's library snippet, with scripted models in place of createRoleModels() (no LLM here). */
function readmeSnippet(trajectoryPath: string): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const block = /```js\n(import [^\n]* from "codeact";\n[\s\S]*?)```/.exec(readme);
  if (!block) throw new Error("README.md has no ```js block importing from \"codeact\"");
  const snippet = block[1]!;
  if (!snippet.includes("createRoleModels()")) throw new Error("the README snippet no longer calls createRoleModels()");
  return [
    'import { ScriptedChatModel } from "codeact";',
    'import { readFileSync } from "node:fs";',
    `const t = JSON.parse(readFileSync(${JSON.stringify(trajectoryPath)}, "utf8"));`,
    "const scripted = { planner: new ScriptedChatModel({ script: t.planner }), coder: new ScriptedChatModel({ script: t.coder }), critic: new ScriptedChatModel({ script: t.critic }) };",
    snippet.replace("createRoleModels()", "scripted"),
  ].join("\n");
}

const TRAJECTORY = {
  planner: ['{"steps": [{"description": "mean of the squares of 1..10", "doneCriterion": "printed"}]}'],
  coder: ["<execute>\nprint('mean', sum(i * i for i in range(1, 11)) / 10)\n</execute>", "<solution>38.5</solution>"],
  // The critic judges claims: here the one proposed answer.
  critic: ['{"verdict": "done", "feedback": "", "answer": "38.5"}'],
};

describe("the npm package", () => {
  let work: string;
  let app: string;
  let home: string;
  let trajectory: string;
  const bin = () => join(app, "node_modules", ".bin", "codeact");

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), "codeact-pack-"));
    app = join(work, "app");
    home = join(work, "home");
    trajectory = join(work, "trajectory.json");
    writeFileSync(trajectory, JSON.stringify(TRAJECTORY));
    const pack = await run("npm", ["pack", "--pack-destination", work], root);
    if (pack.code !== 0) throw new Error(`npm pack failed:\n${pack.stderr}`);
    const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"))!;
    spawnSync("mkdir", ["-p", app, home]);
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "empty-app", version: "1.0.0", private: true }));
    const install = await run("npm", ["install", "--no-audit", "--no-fund", join(work, tarball)], app);
    if (install.code !== 0) throw new Error(`npm install of the tarball failed:\n${install.stderr}`);
  }, INSTALL_MS);

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it("ships every file the code reads at run time, unchanged (the same kernel image tag)", async () => {
    const name = await run(bin(), ["image", "name"], app, { CODEACT_HOME: home });
    expect(name.code).toBe(0);
    expect(name.stdout.trim()).toBe(kernelImageName());
  });

  it("npx codeact --help prints the help and nothing else", async () => {
    const help = await run("npx", ["--no-install", "codeact", "--help"], app);
    expect(help.code).toBe(0);
    expect(help.stdout.startsWith("Usage: codeact")).toBe(true);
    for (const cmd of ["run", "resume", "threads", "history", "branch", "export", "image"]) expect(help.stdout).toMatch(new RegExp(`^  ${cmd}\\b`, "m"));
    expect(help.stderr).toBe("");
  });

  it("--help loads only commander; threads (SQLite) and history load no model, Docker, ZeroMQ or Postgres client", async () => {
    // Which packages a command loaded, from require.cache at exit: start-up cost without timing it.
    const hook = join(work, "loaded.js");
    writeFileSync(
      hook,
      'process.on("exit", () => { const p = new Set(); for (const f of Object.keys(require.cache)) { const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\/(?!.*node_modules\\/)/.exec(f); if (m && m[1] !== "codeact") p.add(m[1]); } process.stderr.write("LOADED " + JSON.stringify([...p].sort()) + "\\n"); });',
    );
    const loaded = async (args: string[]) => {
      const r = await run(process.execPath, ["-r", hook, join(app, "node_modules", "codeact", "dist", "cli", "main.js"), ...args], app, { CODEACT_HOME: join(work, "empty-home") });
      return JSON.parse(/LOADED (.*)/.exec(r.stderr)![1]!) as string[];
    };
    expect(await loaded(["--help"])).toEqual(["commander"]);
    expect(await loaded(["threads"])).toEqual(expect.not.arrayContaining(["zod", "@langchain/core", "@langchain/langgraph"]));
    const heavy = ["@langchain/openai", "openai", "langchain", "@langchain/anthropic", "@anthropic-ai/sdk", "dockerode", "zeromq", "pg", "@langchain/langgraph-checkpoint-postgres"];
    for (const args of [["threads"], ["history", "none"]]) {
      const packages = await loaded(args);
      expect(packages).toContain("commander");
      for (const p of heavy) expect({ args, loads: packages.includes(p) ? p : "" }).toEqual({ args, loads: "" });
    }
  });

  it("codeact run --scripted runs code in the real kernel, then threads lists it", async () => {
    const env = { CODEACT_HOME: home };
    const r = await run(bin(), ["run", "Mean of the squares?", "--scripted", trajectory, "--executor", "docker", "--thread", "pack-1", "--json"], app, env);
    expect(r.stderr).not.toMatch(/ENOENT|Error:/);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(JSON.stringify(events)).toContain("mean 38.5");
    expect(events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "38.5" });
    const threads = await run(bin(), ["threads", "--json"], app, env);
    expect(threads.code).toBe(0);
    expect(JSON.parse(threads.stdout)).toEqual([expect.objectContaining({ threadId: "pack-1", task: "Mean of the squares?", status: "done" })]);
  });

  it("from the clone, `npm link` (as the README says) gives a codeact command that prints only its own output", async () => {
    // A private global prefix: the machine's own global packages are left alone. dist/ is the one
    // `npm pack` just built.
    const prefix = join(work, "global");
    const link = await run("npm", ["link", "--no-audit", "--no-fund"], root, { npm_config_prefix: prefix });
    expect(link.code).toBe(0);
    const threads = await run(join(prefix, "bin", "codeact"), ["threads", "--json"], work, { CODEACT_HOME: join(work, "link-home") });
    expect({ code: threads.code, stdout: threads.stdout, stderr: threads.stderr }).toEqual({ code: 0, stdout: "[]\n", stderr: "" });
  });

  it("the README's library snippet runs to the end and the process exits by itself", async () => {
    const script = join(app, "snippet.mjs");
    writeFileSync(script, readmeSnippet(trajectory));
    const child = spawn(process.execPath, [script], { cwd: app, env: { ...process.env, CODEACT_HOME: home }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    // A snippet that leaves the kernel running never exits: generous, then it is a failure.
    const ended = await new Promise<number | "hung">((resolve) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        resolve("hung");
      }, 90_000);
      child.on("exit", (code) => {
        clearTimeout(timer);
        resolve(code ?? -1);
      });
    });
    expect({ ended, out }).toEqual({ ended: 0, out: expect.stringContaining("done 38.5") });
  });
});
