/**
 * A follow-up on a finished 200-cell thread, as a new `codeact run … --thread` process does it: open
 * the store, make a new executor, run the turn. Measures how long until its first model call (the
 * planner) and until its first action has run (which includes rebuilding the kernel by replay).
 * Used by bench/checkpoint.ts.
 */
import { join } from "node:path";
import { createCheckpointer } from "../checkpoints/savers";
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import { runCodeAct } from "../graphs/run";
import { ScriptedChatModel } from "../nodes/models/scripted-model";

export interface FollowupStart {
  followup_start_ms_200: number;
  followup_first_action_ms_200: number;
  followup_replay_ms_200: number;
}

const CELLS = 200;
const plan = JSON.stringify({ steps: [{ description: "report", doneCriterion: "printed" }] });
const done = JSON.stringify({ verdict: "done", answer: "done" });
// A small analysis step, as a thread's cells usually are: some state, a little output.
const cell = (i: number) => `<execute>\nimport statistics\nv${i} = [x * ${i} for x in range(50)]\nprint(${i}, statistics.mean(v${i}))\n</execute>`;

function models(actions: string[], onPlanner: () => void = () => undefined) {
  let i = 0;
  return {
    planner: new ScriptedChatModel({ script: [() => (onPlanner(), plan)], whenExhausted: "repeat-last" }),
    coder: new ScriptedChatModel({ script: [() => actions[i++] ?? "<solution>done</solution>"], whenExhausted: "repeat-last" }),
    critic: new ScriptedChatModel({ script: [done], whenExhausted: "repeat-last" }),
  };
}

export async function followupStart(dir: string): Promise<FollowupStart> {
  const path = join(dir, "followup.sqlite");
  const threadId = "followup";
  const limits = { maxIterations: CELLS + 10, tokenBudget: 1e9 };
  {
    const store = await createCheckpointer({ kind: "sqlite", path });
    const executor = new DockerJupyterExecutor();
    try {
      const graph = createCodeActGraph({ models: models(Array.from({ length: CELLS }, (_, i) => cell(i))), executor, checkpointer: store.saver, limits });
      const state = await runCodeAct(graph, "print tables", { threadId });
      if (state.cells.length !== CELLS) throw new Error(`expected ${CELLS} cells, got ${state.cells.length} (${state.status}: ${state.statusDetail})`);
    } finally {
      await executor.shutdown();
      await store.close();
    }
  }
  // The new process: everything from here on is what a follow-up pays before it gets going.
  const t0 = performance.now();
  let firstModelCall = 0;
  let firstAction = 0;
  let replayMs = 0;
  const store = await createCheckpointer({ kind: "sqlite", path });
  const executor = new DockerJupyterExecutor();
  try {
    const graph = createCodeActGraph({
      models: models([`<execute>\nprint(v${CELLS - 1}[-1])\n</execute>`], () => (firstModelCall ||= performance.now() - t0)),
      executor,
      checkpointer: store.saver,
      limits,
    });
    await runCodeAct(graph, "and the last value?", {
      threadId,
      onEvent: (e) => {
        if (e.type === "rehydrated") {
          if (e.failed || e.diverged.length) throw new Error(`replay did not reproduce the thread: ${JSON.stringify(e)}`);
          replayMs = e.durationMs;
        }
        if (e.type === "cell" && !firstAction) firstAction = performance.now() - t0;
      },
    });
  } finally {
    await executor.shutdown();
    await store.close();
  }
  return { followup_start_ms_200: Math.round(firstModelCall), followup_first_action_ms_200: Math.round(firstAction), followup_replay_ms_200: Math.round(replayMs) };
}
