/** `codeact eval` and the conversation exports refuse bad input with one clear line. */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";

const root = join(__dirname, "..", "..");
const home = mkdtempSync(join(tmpdir(), "codeact-eval-err-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, CODEACT_HOME: home, CODEACT_M3TOOLEVAL_DIR: "", CODEACT_APIBANK_DIR: "", NO_COLOR: "1" }, encoding: "utf8" });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

it.each([
  // The suite loaders word their hints in library terms; the CLI names its flags.
  [["eval", "nosuch"], 'No suite "nosuch"', EXIT_CODES.not_found],
  [["eval", "m3tooleval"], "the folder holding it): pass --from <folder>, or set CODEACT_M3TOOLEVAL_DIR.", EXIT_CODES.usage],
  [["eval", "m3tooleval", "--from", "/nonexistent"], "is not the M3ToolEval package", EXIT_CODES.usage],
  [["eval", "toolbox", "--from", "/tmp"], "--from is only for the m3tooleval and api-bank suites", EXIT_CODES.usage],
  // API-Bank is not part of the project: without its folder the command says how to give it.
  [["eval", "api-bank"], "api-bank needs the API-Bank data and APIs: pass --from <folder> or set CODEACT_APIBANK_DIR", EXIT_CODES.usage],
  [["eval", "api-bank", "--from", "/nonexistent"], "is not API-Bank's folder", EXIT_CODES.usage],
  [["eval", "toolbox", "--oracle"], "--oracle is for the api-bank suite", EXIT_CODES.usage],
  [["eval", "toolbox", "--action-format", "xml"], "--action-format must be code, json, text or all", EXIT_CODES.usage],
  [["eval", "toolbox", "--agent", "other"], "--agent must be paper or full", EXIT_CODES.usage],
  [["eval", "toolbox", "--tasks", "("], "--tasks is not a regular expression", EXIT_CODES.usage],
  [["eval", "toolbox", "--resume"], "No earlier eval of toolbox", EXIT_CODES.not_found],
  [["eval", "toolbox", "--scripted", join(home, "missing.json")], "Cannot read the script file", EXIT_CODES.usage],
  [["export", "--all", "--where", "sometimes", "--format", "jsonl"], "--where must be all, succeeded, self-debugged", EXIT_CODES.usage],
  [["export", "--format", "sharegpt"], "Give a thread id", EXIT_CODES.usage],
] as const)("%j → %s", (args, message, code) => {
  const r = cli(...args);
  expect(r.code).toBe(code);
  expect(r.stderr).toContain(message);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack
});

it("a conversation format the exports do not know is a usage error (its own exit code)", () => {
  const r = cli("export", "--all", "--format", "ipynb");
  expect(r.code).toBe(EXIT_CODES.usage);
  expect(r.stderr).toContain("--format must be openai-chat, sharegpt or jsonl");
  expect(r.stderr).not.toMatch(/\n\s+at /);
});

it("a script file that is not an eval script is named with what is wrong", () => {
  writeFileSync(join(home, "bad.json"), JSON.stringify({ tasks: { a: { code: "not a list" } } }));
  const r = cli("eval", "toolbox", "--scripted", join(home, "bad.json"));
  expect(r.code).toBe(EXIT_CODES.usage);
  expect(r.stderr).toContain("bad.json is not an eval script: tasks.a.code");
});

it("a suite that does not load is named with the reason, and leaves no eval behind to resume", () => {
  const suite = join(home, "broken");
  const out = join(home, "broken-out");
  mkdirSync(suite);
  writeFileSync(join(suite, "tools.py"), 'def f(x: int) -> int:\n    """Doubles."""\n    return 2 * x\n');
  writeFileSync(join(suite, "tasks.py"), 'TASKS = [{"id": "a", "instruction": "double 2", "answer": 4, "compare": "fuzzy"}]\n');
  writeFileSync(join(home, "any.json"), JSON.stringify({ default: ["Answer: 4"] }));
  const r = cli("eval", suite, "--scripted", join(home, "any.json"), "--executor", "docker", "--out", out);
  expect(r.code).toBe(EXIT_CODES.usage);
  expect(r.stderr).toContain("The suite broken could not be loaded: ValueError: task 'a': 'compare' must be exact, numeric or set, not 'fuzzy'");
  expect(existsSync(join(out, "eval.json"))).toBe(false);
}, 120_000);

it("an output folder holding something else is refused in the CLI's words, and left as it was", () => {
  const out = join(home, "taken-out");
  mkdirSync(out);
  writeFileSync(join(out, "eval.json"), '{"not": "an eval"}\n');
  writeFileSync(join(home, "any2.json"), JSON.stringify({ default: ["Answer: 4"] }));
  const r = cli("eval", "toolbox", "--scripted", join(home, "any2.json"), "--out", out);
  expect(r.code).toBe(EXIT_CODES.usage);
  expect(r.stderr).toContain("is not an eval's settings file; choose another --out folder.");
  expect(require("node:fs").readFileSync(join(out, "eval.json"), "utf8")).toBe('{"not": "an eval"}\n');
});
