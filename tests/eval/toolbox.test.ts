/** `codeact eval` on the toolbox suite with scripted models and real Docker kernels. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runEval } from "../../eval/run";
import { resolveSuite } from "../../eval/suite";
import { TaskResultSchema } from "../../eval/results";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { oracleModel, TOOLBOX_ORACLES } from "./toolbox-oracle";

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), "codeact-eval-"));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const executor = { kind: "docker" as const, limits: { memoryMb: 256, pidsLimit: 64, cpus: 1, workspaceMb: 64 } };

describe("eval: toolbox suite", () => {
  it("scores 100% in every format with oracle replies; results are per task JSONL", async () => {
    const out = tmp();
    const report = await runEval({
      suite: resolveSuite("toolbox"),
      formats: ["code", "json", "text"],
      agent: "paper",
      modelFor: (task, format) => oracleModel(task.id, format),
      out,
      concurrency: 2,
      executor,
      checkpointer: { kind: "sqlite", path: join(out, "checkpoints.sqlite") },
    });
    const wrong = report.results.filter((r) => !r.correct).map((r) => `${r.format} ${r.taskId}: ${r.answer} (expected ${r.expected}, ${r.status})`);
    expect(wrong).toEqual([]);
    expect(report.results).toHaveLength(3 * Object.keys(TOOLBOX_ORACLES).length);
    expect(report.summaries.map((s) => [s.format, s.success, s.successTolerant])).toEqual([
      ["code", 100, 100],
      ["json", 100, 100],
      ["text", 100, 100],
    ]);
    // The code oracle needs two turns (act, answer); the tool-call formats need one per call.
    expect(report.summaries.find((s) => s.format === "code")!.meanTurns).toBe(2);
    expect(report.summaries.find((s) => s.format === "json")!.meanTurns).toBeGreaterThan(3);
    const lines = readFileSync(join(out, "results.jsonl"), "utf8").trim().split("\n");
    for (const line of lines) TaskResultSchema.parse(JSON.parse(line));
  }, 600_000);

  it("scores 0% when every answer is wrong, and each task uses its turns", async () => {
    const out = tmp();
    const report = await runEval({
      suite: resolveSuite("toolbox"),
      formats: ["code"],
      agent: "paper",
      modelFor: () => new ScriptedChatModel({ script: ["Action:\nprint(get_price('widget'))\nEnd Action", "Answer: 12345"], whenExhausted: "repeat-last" }),
      out,
      maxTurns: 3,
      concurrency: 2,
      executor,
      checkpointer: { kind: "sqlite", path: join(out, "checkpoints.sqlite") },
    });
    expect(report.summaries).toHaveLength(1);
    expect(report.summaries[0]!.success).toBe(0);
    expect(report.results.every((r) => r.turns === 3 && r.status === "max_iterations" && r.answer === "12345")).toBe(true);
  }, 600_000);

  it("a task's kernel has the tools but not the answers (tasks.py stays in the judge's kernel)", async () => {
    const out = tmp();
    const probe = "import os, importlib\nprint(sorted(os.listdir('/workspace/.codeact-eval/codeact_suite')))\ntry:\n    importlib.import_module('codeact_suite.tasks')\nexcept ImportError as e:\n    print('no tasks:', type(e).__name__)\nprint(get_price('widget'))";
    const model = new ScriptedChatModel({ script: [`Action:\n${probe}\nEnd Action`, "Answer: widget"] });
    const report = await runEval({
      suite: resolveSuite("toolbox"),
      formats: ["code"],
      agent: "paper",
      modelFor: () => model,
      out,
      filter: /^cheapest_tool$/,
      executor,
      checkpointer: { kind: "sqlite", path: join(out, "checkpoints.sqlite") },
    });
    expect(report.results[0]!.correct).toBe(true);
    const observation = String(model.calls[1]!.at(-1)!.content);
    expect(observation).not.toContain("tasks.py");
    expect(observation).toContain("no tasks: ModuleNotFoundError");
    expect(observation).toContain("4.5");
  }, 300_000);
});
