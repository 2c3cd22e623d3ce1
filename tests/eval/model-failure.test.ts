/**
 * #19 Build 6, through the real CLI against a local OpenAI-compatible server: one task's model
 * failing (HTTP 500 after the client's retries) is that task's result with its status and error;
 * the other tasks run, the table prints and the exit code is the model's (7). eval.json and every
 * row name the model and endpoint, without credentials; a resume with another model is refused
 * unless --allow-model-change, and then runs the failed task again.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelRecord } from "../../eval/identity";
import { redactSecrets } from "../../errors/redact";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";

const root = join(__dirname, "..", "..");
const textOf = (c: string | { text?: string }[]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join(""));

let fake: FakeOpenAI;
let home: string;
let failing = true;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "codeact-eval-fail-"));
  fake = await startFakeOpenAI(
    [
      (req) => {
        const prompt = textOf(req.messages[0]!.content);
        if (failing && prompt.includes("lowest price")) return { status: 500, message: "the GPU caught fire" };
        if (req.messages.length > 1) return prompt.includes("lowest price") ? "Answer: widget" : "Answer: 42";
        return "Action:\nprint(1)\nEnd Action";
      },
    ],
    { repeatLast: true },
  );
});
afterAll(async () => {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, OPENAI_API_KEY: "", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.on("exit", (code) => resolve({ code, stdout, stderr })));
}

const rows = (out: string) =>
  readFileSync(join(out, "results.jsonl"), "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

it("one task's model error is recorded, the eval goes on and exits 7; a resume with another model is refused unless allowed", async () => {
  const out = join(home, "out");
  const common = ["eval", "toolbox", "--tasks", "^(cheapest_tool|order_total_usd|low_stock_kitchen)$", "--base-url", fake.baseUrl, "--api-key", "sk-very-secret", "--executor", "docker", "--max-turns", "2", "--out", out, "--checkpoints", join(home, "c.sqlite")];
  const first = await cli([...common, "--model", "model-a"]);
  expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 7 });
  expect(first.stderr).toContain("cheapest_tool");
  expect(first.stderr).toContain("HTTP 500");
  const lines = first.stdout.trim().split("\n");
  expect(lines.join("\n")).toMatch(/agent\s+format\s+tasks\s+success %.*errored/);
  const last = JSON.parse(lines.at(-1)!);
  expect(last.results).toEqual([expect.objectContaining({ tasks: 3, errored: 1 })]);
  expect(last.failedTasks).toEqual([expect.objectContaining({ taskId: "cheapest_tool", error: expect.objectContaining({ code: "model" }) })]);

  const byTask = Object.fromEntries(rows(out).map((r) => [r.taskId, r]));
  expect(Object.keys(byTask).sort()).toEqual(["cheapest_tool", "low_stock_kitchen", "order_total_usd"]);
  expect(byTask.cheapest_tool).toMatchObject({ status: "error", correct: false, model: "model-a", endpoint: fake.baseUrl, error: { code: "model", message: expect.stringContaining("HTTP 500") } });
  for (const id of ["low_stock_kitchen", "order_total_usd"]) expect(byTask[id]).toMatchObject({ status: "max_iterations", turns: 2, model: "model-a", endpoint: fake.baseUrl });
  const config = JSON.parse(readFileSync(join(out, "eval.json"), "utf8"));
  expect(config.model).toEqual({ model: "model-a", endpoint: fake.baseUrl });
  expect(readFileSync(join(out, "eval.json"), "utf8") + readFileSync(join(out, "results.jsonl"), "utf8")).not.toContain("sk-very-secret");

  // Another model: refused (a usage error, exit 4), nothing run, nothing written.
  const before = rows(out).length;
  failing = false;
  const refused = await cli([...common, "--model", "model-b", "--resume"]);
  expect(refused.code).toBe(4);
  expect(refused.stderr).toMatch(/model-a.*model-b.*--allow-model-change/s);
  expect(rows(out)).toHaveLength(before);

  // Allowed: only the failed task runs again, with the new model, and the table counts it once.
  const requestsBefore = fake.requests.length;
  const allowed = await cli([...common, "--model", "model-b", "--resume", "--allow-model-change"]);
  expect({ code: allowed.code, stderr: allowed.stderr }).toMatchObject({ code: 0 });
  expect(fake.requests.slice(requestsBefore).every((r) => r.model === "model-b" && textOf(r.messages[0]!.content).includes("lowest price"))).toBe(true);
  const again = JSON.parse(allowed.stdout.trim().split("\n").at(-1)!);
  expect(again.results).toEqual([expect.objectContaining({ tasks: 3, errored: 0 })]);
  expect(rows(out).at(-1)).toMatchObject({ taskId: "cheapest_tool", status: "done", correct: true, model: "model-b" });
  expect(JSON.parse(readFileSync(join(out, "eval.json"), "utf8")).model.model).toBe("model-b");
}, 400_000);

it("records each role's model for the full agent, and endpoints and error texts without credentials", () => {
  expect(modelRecord("full", "m", { critic: "c" }, "http://user:pw@host:8000/v1?api_key=k&x=1")).toEqual({ model: "m", roles: { planner: "m", coder: "m", critic: "c" }, endpoint: "http://host:8000/v1?x=1" });
  expect(modelRecord("paper", "m", {}, null)).toEqual({ model: "m", endpoint: null });
  expect(redactSecrets("The model endpoint https://u:p@h/v1?token=t answered HTTP 500")).toBe("The model endpoint https://u:***@h/v1?token=*** answered HTTP 500");
});
