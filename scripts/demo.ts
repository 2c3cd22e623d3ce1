/**
 * `npm run demo`: the main job, a full run. With a model endpoint (OPENAI_API_KEY or
 * OPENAI_BASE_URL) the model solves a data-analysis task; without one, a bundled recorded
 * trajectory replays the model's replies — the code still really runs in the sandboxed kernel.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import pc from "picocolors";
import { exportThread } from "../cli/export";
import { runAndReport, TrajectorySchema } from "../cli/run";
import { newThreadId } from "../cli/session";
import { codeactHome } from "../executors/setup-state";
import { hasModelEndpoint } from "../nodes/models/models";

async function main(): Promise<number> {
  const trajectoryPath = join(__dirname, "demo-trajectory.json");
  const { task } = TrajectorySchema.parse(JSON.parse(readFileSync(trajectoryPath, "utf8")));
  const live = hasModelEndpoint();
  const banner = live
    ? `codeact demo — live run with model ${process.env.CODEACT_MODEL ?? "gpt-4o-mini"} at ${process.env.OPENAI_BASE_URL ?? "api.openai.com"}`
    : "codeact demo — REPLAY of a bundled, recorded trajectory (no OPENAI_API_KEY / OPENAI_BASE_URL set).\n" +
      "The model's replies come from scripts/demo-trajectory.json; the code really runs in the sandboxed kernel.";
  console.log(pc.bold(banner));
  console.log(pc.dim(`Task: ${task}\n`));
  const threadId = newThreadId();
  const code = await runAndReport(task!, threadId, { executor: "auto", scripted: live ? undefined : trajectoryPath });
  if (code === 130) return code;
  const dir = join(codeactHome(), "runs", threadId);
  const notebook = await exportThread(threadId, "ipynb", join(dir, `${threadId}.ipynb`), {});
  const html = await exportThread(threadId, "html", join(dir, `${threadId}.html`), {});
  console.log(`\n${pc.bold("Notebook:")} ${notebook}\n${pc.bold("HTML:")}     ${html}`);
  return code;
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    console.error(`codeact demo: ${err.message}`);
    process.exit(1);
  },
);
