/**
 * `codeact run --model anthropic:…` as a user runs it: a child process, the real Docker kernel, the
 * real @langchain/anthropic client against a local fake Anthropic Messages endpoint.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact } from "../cli/helpers";
import { type FakeAnthropic, startFakeAnthropic } from "../helpers/fake-anthropic";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { EXIT_CODES } from "../../cli/exit-codes";

const PLAN = '{"steps": [{"description": "square 12 in Python", "doneCriterion": "144 printed"}]}';
const CODE = "<execute>\nprint(12 ** 2)\n</execute>\n<step_done/>";
const NEXT = '{"verdict": "next", "feedback": "printed 144"}';
const SOLVE = "<solution>144</solution>";
const DONE = '{"verdict": "done", "feedback": "", "answer": "144"}';

describe("codeact run with another provider's model", () => {
  let home: string;
  let anthropic: FakeAnthropic | undefined;
  let openai: FakeOpenAI | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-providers-"));
  });
  afterEach(async () => {
    await anthropic?.close();
    await openai?.close();
    anthropic = openai = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it("--model anthropic:claude-x --base-url <fake> runs the whole task on the real kernel, with the Anthropic key only", async () => {
    anthropic = await startFakeAnthropic([PLAN, CODE, NEXT, SOLVE, DONE]);
    const env = { CODEACT_HOME: home, ANTHROPIC_API_KEY: "sk-ant-user", OPENAI_API_KEY: "sk-openai-secret", OPENAI_BASE_URL: "", CODEACT_MODEL: "" };
    const run = await codeact(["run", "What is 12 squared?", "--model", "anthropic:claude-x", "--base-url", anthropic.baseUrl, "--executor", "docker", "--memory", "--json"], env);
    expect(run.stderr).not.toMatch(/Error|npm install/);
    expect(run.code).toBe(0);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(JSON.stringify(events.filter((e) => e.type === "output"))).toContain("144");
    expect(events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "144" });
    expect(anthropic.requests).toHaveLength(5);
    for (const r of anthropic.requests) {
      expect(r.model).toBe("claude-x");
      expect(r.apiKey).toBe("sk-ant-user");
      expect(JSON.stringify(r)).not.toContain("sk-openai-secret");
    }
  }, 180_000);

  it("per role: an Anthropic coder beside an OpenAI-compatible planner and critic", async () => {
    anthropic = await startFakeAnthropic([CODE, SOLVE]);
    openai = await startFakeOpenAI([PLAN, NEXT, DONE]);
    const env = { CODEACT_HOME: home, CODEACT_CODER_MODEL: "anthropic:claude-coder", ANTHROPIC_BASE_URL: anthropic.baseUrl, ANTHROPIC_API_KEY: "sk-ant-coder", OPENAI_API_KEY: "sk-openai-planner", CODEACT_MODEL: "" };
    const run = await codeact(["run", "What is 12 squared?", "--model", "gpt-planner", "--base-url", openai.baseUrl, "--executor", "docker", "--memory", "--json"], env);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.trim().split("\n").at(-1)!)).toMatchObject({ type: "finished", status: "done", answer: "144" });
    expect(anthropic.requests.map((r) => [r.model, r.apiKey])).toEqual([["claude-coder", "sk-ant-coder"], ["claude-coder", "sk-ant-coder"]]);
    expect(openai.requests.map((r) => [r.model, r.authorization])).toEqual(Array(3).fill(["gpt-planner", "Bearer sk-openai-planner"]));
  }, 180_000);

  it("codeact eval --model anthropic:… calls the Anthropic endpoint for every task turn", async () => {
    anthropic = await startFakeAnthropic(["<solution>12</solution>"], { repeatLast: true });
    const out = join(home, "eval-out");
    const run = await codeact(["eval", "toolbox", "--model", "anthropic:claude-eval", "--base-url", anthropic.baseUrl, "--tasks", "^cheapest_tool$", "--max-turns", "1", "--executor", "docker", "--out", out], { CODEACT_HOME: home, ANTHROPIC_API_KEY: "sk-ant-eval", OPENAI_API_KEY: "sk-openai-secret" });
    expect(run.stderr).not.toMatch(/codeact: /);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/paper\s+code\s+1\s/);
    expect(anthropic.requests.map((r) => [r.model, r.apiKey])).toEqual([["claude-eval", "sk-ant-eval"]]);
  }, 180_000);

  it("a provider whose package is missing stops at once with the npm install line (no kernel, no stack)", async () => {
    expect(() => require.resolve("@langchain/groq")).toThrow();
    const run = await codeact(["run", "hi", "--model", "groq:llama-3.3-70b", "--executor", "docker", "--memory"], { CODEACT_HOME: home, GROQ_API_KEY: "k" });
    expect(run.code).toBe(EXIT_CODES.model);
    expect(run.stderr.trim()).toBe('codeact: The model "groq:llama-3.3-70b" needs the package @langchain/groq, which is not installed. Install it next to codeact: npm install @langchain/groq');
    expect(run.stdout).toBe("");
  }, 60_000);
});
