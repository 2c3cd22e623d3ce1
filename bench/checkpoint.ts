/**
 * Checkpoint growth and resume cost: a 500-turn scripted run on SQLite whose cells print ~2 KB each.
 * Bytes written per agent turn early (turns 10→20) and late (490→500) must not grow with history;
 * the database should stay a small multiple of the raw cell text; resuming a 50-cell thread on a
 * fresh kernel (start, replay, next action) should take well under two seconds. Last line: JSON.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import type { BaseMessage } from "@langchain/core/messages";
import { createCheckpointer } from "../checkpoints/savers";
import { readThreadState } from "../graphs/threads";
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { ScriptedChatModel } from "../nodes/models/scripted-model";
import { followupStart } from "./followup-start";
import { historyBench } from "./history";

const TURNS = Number(process.env.BENCH_TURNS ?? 500);
const plan = JSON.stringify({ steps: [{ description: "report", doneCriterion: "printed" }] });
// ~2 KB of realistic output: a small table as pandas prints it.
const CELL = (i: number) => `<execute>\nimport pandas as pd\ndf = pd.DataFrame({"id": range(${i}, ${i} + 70), "value": [x * 1.5 for x in range(70)], "label": ["row-%d" % x for x in range(70)]})\nprint(df.to_string())\n</execute>`;

/** The coder's actions, and a short summary whenever the conversation is compacted (the coder model writes it). */
function coderModel(turns: number, offset: number): ScriptedChatModel {
  let i = 0;
  const step = (messages: BaseMessage[]) => {
    if (String(messages.at(-1)?.content ?? "").startsWith("The conversation is getting long")) return "Done so far: tables printed; df holds the latest one.";
    return i < turns ? CELL(offset + i++) : "<solution>done</solution>";
  };
  return new ScriptedChatModel({ script: [step], whenExhausted: "repeat-last" });
}

function models(turns: number, offset = 0) {
  return {
    planner: new ScriptedChatModel({ script: [plan] }),
    coder: coderModel(turns, offset),
    // The critic judges the answer (the default: it is asked when the coder claims something).
    critic: new ScriptedChatModel({ script: [JSON.stringify({ verdict: "done", answer: "done" })] }),
  };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "codeact-bench-cp-"));
  const executor = new DockerJupyterExecutor();
  try {
    // The checkpointer codeact ships (SQLite, compressed blobs), as `codeact run` uses it.
    const path = join(dir, "growth.sqlite");
    const store = await createCheckpointer({ kind: "sqlite", path });
    const saver = store.saver;
    const db = new Database(path, { readonly: true });
    // Bytes the saver has written so far: every stored blob and key, read through a second connection.
    const written = () =>
      (db.prepare("SELECT (SELECT COALESCE(SUM(LENGTH(checkpoint) + LENGTH(metadata) + LENGTH(thread_id) + LENGTH(checkpoint_id) + COALESCE(LENGTH(parent_checkpoint_id), 0)), 0) FROM checkpoints) + (SELECT COALESCE(SUM(LENGTH(value) + LENGTH(channel) + LENGTH(task_id) + LENGTH(thread_id) + LENGTH(checkpoint_id)), 0) FROM writes) AS n").get() as { n: number }).n;
    const sizes: number[] = [];
    const graph = createCodeActGraph({ models: models(TURNS), executor, checkpointer: saver, limits: { maxIterations: TURNS + 5, tokenBudget: 1e9 } });
    const started = performance.now();
    const state = await runCodeAct(graph, "print tables", {
      threadId: "growth",
      onEvent: (e) => {
        if (e.type === "cell") sizes.push(written());
      },
    });
    const runS = (performance.now() - started) / 1000;
    if (state.cells.length !== TURNS) throw new Error(`expected ${TURNS} cells, got ${state.cells.length} (${state.status}: ${state.statusDetail})`);
    const perTurn = (a: number, b: number) => (sizes[b - 1]! - sizes[a - 1]!) / (b - a);
    const at10 = perTurn(10, 20);
    const at500 = perTurn(TURNS - 10, TURNS);
    const cellBytes = state.cells.reduce((s, c) => s + Buffer.byteLength(c.code) + Buffer.byteLength(c.result.stdout) + Buffer.byteLength(c.result.stderr) + c.result.results.reduce((r, o) => r + Object.values(o.data).reduce((x, v) => x + Buffer.byteLength(v), 0), 0), 0);
    db.close();
    await store.close(); // the last connection to close checkpoints the WAL into the main file
    const dbBytes = statSync(path).size;

    // Resume: a thread paused after 50 cells, continued by a new kernel (cold start + replay + next action).
    const rstore = await createCheckpointer({ kind: "sqlite", path: join(dir, "resume.sqlite") });
    const rsaver = rstore.saver;
    const abort = new AbortController();
    const first = createCodeActGraph({ models: models(60), executor, checkpointer: rsaver, limits: { maxIterations: 100 } });
    await executor.restart();
    let cells = 0;
    await runCodeAct(first, "print tables", {
      threadId: "resume",
      signal: abort.signal,
      onEvent: (e) => {
        // Stopped as the coder starts its next turn: the 50th cell's step is checkpointed by then.
        if (e.type === "cell") cells++;
        if (e.type === "thinking" && e.role === "coder" && cells === 50) abort.abort();
      },
    }).catch(() => undefined);
    const paused = await readThreadState(rsaver, "resume");
    const fresh = new DockerJupyterExecutor();
    const t0 = performance.now();
    let resumeMs = 0;
    try {
      const rest = createCodeActGraph({ models: models(1, 50), executor: fresh, checkpointer: rsaver, limits: { maxIterations: 100 } });
      // The executor node starts the kernel and replays the 50 cells before the next action.
      await runCodeAct(rest, null, {
        threadId: "resume",
        onEvent: (e) => {
          if (e.type === "rehydrated" && e.failed) throw new Error(`replay failed for ${e.failed} cells`);
          if (e.type === "cell" && !resumeMs) resumeMs = performance.now() - t0;
        },
      });
    } finally {
      await fresh.shutdown();
      await rstore.close();
    }

    const followup = await followupStart(dir);
    const history = await historyBench(dir, executor);
    const result = {
      ...followup,
      ...history,
      bytes_per_step_at_10: Math.round(at10),
      bytes_per_step_at_500: Math.round(at500),
      db_bytes_over_cell_bytes: Math.round((dbBytes / cellBytes) * 100) / 100,
      resume_ms_50_cells: Math.round(resumeMs),
      replayed_cells: paused.cells.length,
      turns: TURNS,
      db_bytes: dbBytes,
      cell_bytes: cellBytes,
      run_s: Math.round(runS * 10) / 10,
    };
    console.log(`\ncodeact checkpoint benchmark (SQLite, ${TURNS} agent turns, ~2 KB output per cell)\n`);
    console.table({
      "bytes per turn, turns 10→20": result.bytes_per_step_at_10,
      [`bytes per turn, turns ${TURNS - 10}→${TURNS}`]: result.bytes_per_step_at_500,
      "database bytes ÷ raw cell bytes": result.db_bytes_over_cell_bytes,
      "resume with 50 cells → next action (ms)": result.resume_ms_50_cells,
      ...Object.fromEntries(Object.entries(history).map(([k, v]) => [`codeact history, ${k.slice("history_ms_".length)} actions (ms)`, v])),
    });
    const goals = [
      ["at_500 / at_10 ≤ 1.5", result.bytes_per_step_at_500 / result.bytes_per_step_at_10 <= 1.5],
      ["db_bytes_over_cell_bytes ≤ 4", result.db_bytes_over_cell_bytes <= 4],
      ["resume_ms_50_cells ≤ 2000", result.resume_ms_50_cells <= 2000],
      ["followup_start_ms_200 ≤ 2000", result.followup_start_ms_200 <= 2000],
      ...("history_ms_600" in history ? [["history_ms_600 ≤ 2000", history.history_ms_600! <= 2000] as const] : []),
    ] as const;
    for (const [g, met] of goals) console.log(`${met ? "met    " : "NOT MET"}  ${g}`);
    console.log(JSON.stringify(result));
  } finally {
    await executor.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
