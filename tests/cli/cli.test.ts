/** The `codeact` command as a user runs it: a child process, a real kernel, ChatOpenAI against a local fake server. */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { DockerJupyterExecutor } from "../../executors/docker";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { freePort, startJupyterServer } from "../helpers/jupyter-server";
import { EXIT_CODES } from "../../cli/exit-codes";

const root = join(__dirname, "..", "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

function codeact(args: string[], env: NodeJS.ProcessEnv, input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(tsx, [join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1", FORCE_COLOR: "0", ...env }, stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"] });
    if (input !== undefined) child.stdin!.end(input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

const SCRIPT = [
  '{"steps": [{"description": "compute the mean of 1..10 and plot it", "doneCriterion": "mean printed, figure shown"}]}',
  "<execute>\nimport statistics\nimport matplotlib.pyplot as plt\nm = statistics.mean(range(1, 11))\nprint('mean', m)\nplt.bar(['mean'], [m]); plt.show()\n</execute>\n<step_done/>",
  '{"verdict": "next", "feedback": "mean printed"}',
  "<solution>5.5</solution>",
  '{"verdict": "done", "feedback": "", "answer": "5.5"}',
];

describe("codeact CLI", () => {
  let home: string;
  let server: FakeOpenAI;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-cli-"));
  });
  afterEach(async () => {
    await server?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("runs a task: plan, action, output, saved plot, answer, thread id; exit 0; export makes a valid notebook", async () => {
    server = await startFakeOpenAI(SCRIPT);
    const env = { CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: "", CODEACT_MODEL: "fake-model" };
    const run = await codeact(["run", "Mean of 1..10?", "--executor", "docker", "--thread", "cli-test-1"], env);
    expect(run.stderr).not.toMatch(/Error:/);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Plan");
    expect(run.stdout).toContain("compute the mean of 1..10");
    expect(run.stdout).toContain("│ print('mean', m)");
    expect(run.stdout).toContain("mean 5.5");
    expect(run.stdout).toMatch(/plot saved: .*cli-test-1.*\.png/);
    expect(run.stdout).toContain("critic: next");
    expect(run.stdout).toContain("Answer: 5.5");
    expect(run.stderr).toContain("cli-test-1");
    expect(server.requests.every((r) => r.model === "fake-model")).toBe(true);

    const nbPath = join(home, "out.ipynb");
    const exp = await codeact(["export", "cli-test-1", "--format", "ipynb", "-o", nbPath], env);
    expect(exp.code).toBe(0);
    const check = spawnSync("/usr/bin/python3", ["-c", "import nbformat, sys; nb = nbformat.read(sys.argv[1], as_version=4); nbformat.validate(nb); print(len(nb.cells))", nbPath], { encoding: "utf8" });
    expect(check.stderr).toBe("");
    expect(Number(check.stdout)).toBeGreaterThanOrEqual(5);
    const nb = JSON.parse(readFileSync(nbPath, "utf8"));
    const code = nb.cells.find((c: { cell_type: string }) => c.cell_type === "code");
    expect(code.outputs.some((o: { data?: Record<string, string> }) => o.data?.["image/png"])).toBe(true);

    const htmlPath = join(home, "out.html");
    expect((await codeact(["export", "cli-test-1", "--format", "html", "-o", htmlPath], env)).code).toBe(0);
    const html = readFileSync(htmlPath, "utf8");
    expect(html).toContain("data:image/png;base64,");
    expect(html).toContain("print('mean', m)");
  }, 120_000);

  it("--json prints only JSON lines, one event each", async () => {
    server = await startFakeOpenAI(SCRIPT);
    const run = await codeact(["run", "Mean of 1..10?", "--json", "--memory", "--executor", "docker"], { CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl });
    expect(run.code).toBe(0);
    const lines = run.stdout.trim().split("\n");
    const events = lines.map((l) => JSON.parse(l) as { type: string; images?: string[] });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["plan", "action", "output", "cell", "critique", "finished"]));
    expect(events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "5.5" });
    const cell = events.find((e) => e.type === "cell")!;
    expect(cell.images?.[0]).toMatch(/\.png$/);
  }, 120_000);

  it("--json stays pure JSON with the remote executor (a Jupyter Server over REST + WebSocket)", async () => {
    const jupyter = await startJupyterServer(new DockerJupyterExecutor().image);
    try {
      server = await startFakeOpenAI(SCRIPT);
      const run = await codeact(
        ["run", "Mean of 1..10?", "--json", "--memory", "--executor", "remote", "--remote-url", jupyter.url, "--remote-token", jupyter.token],
        { CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl },
      );
      expect(run.code).toBe(0);
      const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; event?: { text?: string } });
      expect(events.some((e) => e.type === "output" && e.event?.text === "mean 5.5\n")).toBe(true);
      expect(events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "5.5" });
    } finally {
      await jupyter.stop();
    }
  }, 120_000);

  it("--approve takes answers typed ahead (edit, reject with a reason, approve) and says so when input ends", async () => {
    const script = join(home, "script.json");
    const plan = '{"steps": [{"description": "print", "doneCriterion": "printed"}]}';
    writeFileSync(script, JSON.stringify({
      planner: [plan],
      coder: ["<execute>\nprint(1)\n</execute>", "<execute>\nprint(2)\n</execute>", "<execute>\nprint(3)\n</execute>", "<solution>done</solution>"],
      critic: ['{"verdict": "done", "answer": "done"}'],
    }));
    // npm and npx set EDITOR for their children: with piped input the edit must still be read as lines.
    const env = { CODEACT_HOME: home, EDITOR: "vi" };
    const run = await codeact(["run", "print", "--approve", "--scripted", script, "--executor", "docker", "--thread", "ap"], env, 'e\nprint("edited")\n.\nr\nnot that one\na\n');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("edited");
    expect(run.stdout).not.toMatch(/^2$/m);
    expect(run.stdout).toMatch(/^3$/m);
    const store = await createCheckpointer({ kind: "sqlite", path: join(home, "checkpoints.sqlite") });
    try {
      const state = await readThreadState(store.saver, "ap");
      expect(state.cells.map((c) => [c.code, c.edited ?? false])).toEqual([['print("edited")', true], ["print(3)", false]]);
    } finally {
      await store.close();
    }

    const cut = await codeact(["run", "print", "--approve", "--scripted", script, "--executor", "docker", "--thread", "ap-eof"], env, "");
    expect(cut.code).toBe(EXIT_CODES.usage);
    expect(cut.stderr).toContain("Input ended while an action was waiting for approval; the action has not run.");
    expect(cut.stderr).toContain("continue it with: codeact resume ap-eof --approve");
  }, 120_000);

  it("exits non-zero with a clear status when the budget runs out", async () => {
    const loop = await startFakeOpenAI([SCRIPT[0]!, ...Array(6).fill(null).flatMap(() => ["<execute>\nprint('working')\n</execute>", '{"verdict": "next", "feedback": ""}'])]);
    try {
      const run = await codeact(["run", "never ends", "--max-iterations", "2", "--memory", "--executor", "docker"], { CODEACT_HOME: home, OPENAI_BASE_URL: loop.baseUrl });
      expect(run.code).toBe(2);
      expect(run.stdout).toMatch(/Stopped \(max_iterations\): reached the limit of 2 coder turns/);
    } finally {
      await loop.close();
    }
  }, 120_000);

  it("names the endpoint and the resume command when the model cannot be reached mid-run", async () => {
    const port = await freePort(); // nothing listens there
    const url = `http://127.0.0.1:${port}/v1`;
    const run = await codeact(["run", "x", "--executor", "docker", "--thread", "unreachable"], { CODEACT_HOME: home, OPENAI_BASE_URL: url });
    expect(run.code).toBe(EXIT_CODES.model);
    expect(run.stderr).toContain(`Could not reach the model at ${url}`);
    // The library's "the baseUrl option" is worded as the flag a person types.
    expect(run.stderr).toMatch(/check OPENAI_BASE_URL \/ --base-url\./);
    expect(run.stderr).not.toContain("baseUrl option");
    expect(run.stderr).toContain("continue it with: codeact resume unreachable");
  }, 120_000);

  it("says what to do when no model endpoint is configured", async () => {
    const run = await codeact(["run", "x", "--memory"], { CODEACT_HOME: home, OPENAI_API_KEY: "", OPENAI_BASE_URL: "" });
    expect(run.code).toBe(EXIT_CODES.model);
    expect(run.stderr).toMatch(/set OPENAI_API_KEY.*OPENAI_BASE_URL/);
  }, 60_000);
});
