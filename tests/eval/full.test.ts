/** `--agent full`: the project's graph on eval tasks, in the code and JSON formats (scripted roles, Docker kernels). */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseMessage } from "@langchain/core/messages";
import { exportTrajectories } from "../../exports/trajectory";
import { runEval } from "../../eval/run";
import { resolveSuite } from "../../eval/suite";
import type { ActionFormat } from "../../nodes/prompting/actions";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { actionText, TOOLBOX_ORACLES } from "./toolbox-oracle";

const text = (m: BaseMessage[]) => m.map((x) => String(x.content)).join("\n");
const plan = JSON.stringify({ steps: [{ description: "use the tools and answer", doneCriterion: "answer known" }] });
// Accepts a proposed answer; otherwise moves on.
const critic = (m: BaseMessage[]) => JSON.stringify(text(m).includes("The agent proposes this final answer") ? { verdict: "done", feedback: "" } : { verdict: "next", feedback: "" });

function roles(taskId: string, format: ActionFormat) {
  const o = TOOLBOX_ORACLES[taskId]!;
  const coder =
    format === "code"
      ? [`<execute>\n${o.code}\n</execute>`, `<solution>${o.answer}</solution>`]
      : [...o.calls.map(([tool, args]) => actionText(format, tool, args)), `Answer: ${o.answer}`];
  return { planner: new ScriptedChatModel({ script: [plan] }), coder: new ScriptedChatModel({ script: coder }), critic: new ScriptedChatModel({ script: [critic], whenExhausted: "repeat-last" }) };
}

it("scores the oracle 100% in the code, JSON and text formats and records model calls; the threads export", async () => {
  const out = mkdtempSync(join(tmpdir(), "codeact-full-"));
  try {
    const report = await runEval({
      suite: resolveSuite("toolbox"),
      formats: ["code", "json", "text"],
      agent: "full",
      modelFor: () => {
        throw new Error("the full agent uses rolesFor");
      },
      rolesFor: (task, format) => roles(task.id, format),
      out,
      filter: /^(order_total_usd|cheapest_tool|longest_document)$/,
      concurrency: 2,
      executor: { kind: "docker", limits: { memoryMb: 256, pidsLimit: 64, cpus: 1, workspaceMb: 64 } },
      checkpointer: { kind: "sqlite", path: join(out, "c.sqlite") },
    });
    const wrong = report.results.filter((r) => !r.correct).map((r) => `${r.format} ${r.taskId}: ${r.answer} (${r.status})`);
    expect(wrong).toEqual([]);
    expect(report.summaries.map((s) => [s.agent, s.format, s.success])).toEqual([
      ["full", "code", 100],
      ["full", "json", 100],
      ["full", "text", 100],
    ]);
    const code = report.results.find((r) => r.format === "code" && r.taskId === "cheapest_tool")!;
    // planner + 2 coder turns + 1 critique (on the answer: the critic judges claims, not every cell)
    expect(code).toMatchObject({ turns: 2, modelCalls: 4, errors: 0 });
    const all = await exportTrajectories(undefined, "openai-chat", "succeeded", join(out, "t.jsonl"), { kind: "sqlite", path: join(out, "c.sqlite") });
    expect(all.count).toBe(9);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}, 600_000);
