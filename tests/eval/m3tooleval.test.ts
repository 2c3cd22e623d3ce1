/**
 * The M3ToolEval package loaded inside the sandbox: all 82 tasks, each format's prompt as the
 * paper rendered it, and our oracle code actions scored by the upstream check.
 * Needs the package (CODEACT_M3TOOLEVAL_DIR, set by .ci/run; or ../shared/m3tooleval beside the repo).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseMessage } from "@langchain/core/messages";
import { createExecutor } from "../../executors/factory";
import { Judge, renderPrompt } from "../../eval/judge";
import { runEval } from "../../eval/run";
import { resolveSuite } from "../../eval/suite";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";

const beside = join(__dirname, "..", "..", "..", "shared", "m3tooleval");
const dir = process.env.CODEACT_M3TOOLEVAL_DIR ?? (existsSync(beside) ? beside : undefined);
const ORACLES = JSON.parse(readFileSync(join(__dirname, "m3tooleval-oracles.json"), "utf8")) as Record<string, string>;
const executor = { kind: "docker" as const, limits: { memoryMb: 256, pidsLimit: 64, cpus: 1, workspaceMb: 64 } };

if (!dir) {
  it.skip("M3ToolEval (set CODEACT_M3TOOLEVAL_DIR to the package to run these)", () => undefined);
} else {
  describe("eval: M3ToolEval loader", () => {
    it("the configured folder exists (a wrong CODEACT_M3TOOLEVAL_DIR fails, never skips)", () => {
      expect(existsSync(join(dir, "tasks", "base.py")) || existsSync(join(dir, "base.py"))).toBe(true);
    });

    it("finds all 82 tasks in 5 domains and renders each format's prompt", async () => {
      const kernel = await createExecutor(executor);
      try {
        const judge = new Judge(resolveSuite("m3tooleval", dir), kernel);
        await judge.start();
        const tasks = await judge.tasks();
        expect(tasks).toHaveLength(82);
        const domains: Record<string, number> = {};
        for (const t of tasks) domains[t.domain] = (domains[t.domain] ?? 0) + 1;
        expect(domains).toEqual({ web_browsing: 34, trade_calculator: 17, travel_itinerary_planning: 15, message_decoder: 8, cryptobotanists_plant_dna_sequencer: 8 });
        for (const t of tasks) {
          for (const format of ["code", "json", "text"] as const) {
            const prompt = renderPrompt(t, format);
            expect(prompt).toContain(`Instruction: ${t.instruction}`);
            expect(prompt).toContain("'Answer:'");
            for (const tool of t.tools) expect(prompt).toContain(tool.name);
          }
          expect(renderPrompt(t, "json")).toContain('"tool"');
          expect(renderPrompt(t, "text")).toContain("delimited by commas");
          expect(renderPrompt(t, "code")).toContain("Python code");
        }
        // The upstream check is exact: an equivalent float fails it; the tolerant one passes.
        expect(await judge.check("trade_calculator/interstellar_trade_transaction", "8100.000000000001")).toEqual({ correct: false, tolerant: true });
        expect(await judge.check("trade_calculator/interstellar_trade_transaction", "8100.0")).toEqual({ correct: true, tolerant: true });
      } finally {
        await kernel.shutdown();
      }
    }, 300_000);

    it("oracle code actions solve at least 10 tasks across all five domains (upstream check)", async () => {
      const out = mkdtempSync(join(tmpdir(), "codeact-m3-"));
      try {
        const ids = Object.keys(ORACLES);
        const lastObservation = (m: BaseMessage[]) => String(m.at(-1)?.content ?? "").trim();
        const report = await runEval({
          suite: resolveSuite("m3tooleval", dir),
          formats: ["code"],
          agent: "paper",
          modelFor: (task) => new ScriptedChatModel({ script: [`Thought: I will use the tools.\nAction:\n${ORACLES[task.id]}\nEnd Action`, (m) => `Answer: ${lastObservation(m)}`] }),
          out,
          filter: new RegExp(`^(${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`),
          concurrency: 2,
          executor,
          checkpointer: { kind: "sqlite", path: join(out, "c.sqlite") },
        });
        const solved = report.results.filter((r) => r.correct);
        const failed = report.results.filter((r) => !r.correct).map((r) => `${r.taskId}: ${r.answer} vs ${r.expected}`);
        expect(failed).toEqual([]);
        expect(solved.length).toBeGreaterThanOrEqual(10);
        expect(new Set(solved.map((r) => r.domain)).size).toBe(5);
        expect(solved.every((r) => r.turns === 2)).toBe(true);
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 600_000);
  
    it("JSON and text actions call the upstream tools (text arguments typed int, then float, then str)", async () => {
      const out = mkdtempSync(join(tmpdir(), "codeact-m3-fmt-"));
      try {
        const script = {
          json: ['Action: {"tool": "calculate_tariff", "args": [150, 7.5]} End Action', 'Action: {"tool": "estimate_final_value", "args": [150, 11.25]} End Action', "Answer: 161.25"],
          text: ["Action: calculate_tariff, 150, 7.5 End Action", "Action: estimate_final_value, 150, 11.25 End Action", "Answer: 161.25"],
        };
        const models: ScriptedChatModel[] = [];
        const report = await runEval({
          suite: resolveSuite("m3tooleval", dir),
          formats: ["json", "text"],
          agent: "paper",
          modelFor: (_task, format) => {
            const m = new ScriptedChatModel({ script: script[format as "json" | "text"] });
            models.push(m);
            return m;
          },
          out,
          filter: /^trade_calculator\/estimate_final_value$/,
          executor,
          checkpointer: { kind: "sqlite", path: join(out, "c.sqlite") },
        });
        expect(report.results.map((r) => [r.format, r.correct, r.turns])).toEqual([
          ["json", true, 3],
          ["text", true, 3],
        ]);
        for (const m of models) expect(String(m.calls[1]!.at(-1)!.content)).toBe("11.25");
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }, 300_000);
  });
}

