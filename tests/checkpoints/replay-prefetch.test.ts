/**
 * A follow-up in a new process rebuilds its kernel while the model thinks, not after: real Docker
 * kernel, real SQLite store, scripted models that take their time like real ones.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import type { CodeActEvent } from "../../graphs/state/events";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";

const plan = JSON.stringify({ steps: [{ description: "x", doneCriterion: "printed" }] });
const done = JSON.stringify({ verdict: "done", answer: "7" });
const models = (coder: string[], coderDelayMs = 0) => ({
  planner: new ScriptedChatModel({ script: [plan], whenExhausted: "repeat-last" }),
  coder: new ScriptedChatModel({ script: coder, delayMs: coderDelayMs }),
  critic: new ScriptedChatModel({ script: [done], whenExhausted: "repeat-last" }),
});

describe("kernel rebuilt while the model thinks (Docker)", () => {
  let dir: string;
  beforeEach(() => void (dir = mkdtempSync(join(tmpdir(), "codeact-prefetch-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("replays the thread's cells during the coder's model call, and the action finds the variables", async () => {
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "cp.sqlite") });
    try {
      const first = new DockerJupyterExecutor();
      try {
        const graph = createCodeActGraph({ models: models(["<execute>\nimport time\ntime.sleep(1.5)\nx = 7\n</execute>", "<solution>7</solution>"]), executor: first, checkpointer: store.saver });
        expect((await runCodeAct(graph, "set x", { threadId: "pf" })).status).toBe("done");
      } finally {
        await first.shutdown();
      }

      // As a new process: a fresh executor, whose kernel has nothing yet.
      const fresh = new DockerJupyterExecutor();
      try {
        const graph = createCodeActGraph({ models: models(["<execute>\nprint(x)\n</execute>", "<solution>7</solution>"], 4000), executor: fresh, checkpointer: store.saver });
        const seen: { event: CodeActEvent; at: number }[] = [];
        const state = await runCodeAct(graph, "print x", { threadId: "pf", onEvent: (event) => seen.push({ event, at: Date.now() }) });
        expect(state.status).toBe("done");
        expect(state.cells.at(-1)!.result.stdout).toBe("7\n");
        const rebuilt = seen.find((s) => s.event.type === "rehydrated")!;
        expect(rebuilt.event).toMatchObject({ replayed: 1, failed: 0, diverged: [] });
        const replayStarted = rebuilt.at - (rebuilt.event as { durationMs: number }).durationMs;
        const action = seen.find((s) => s.event.type === "action")!;
        // The replay began while the coder was still thinking, not after its reply: without the
        // prefetch the executor node starts it only once the action is out. (An order, not a timing.)
        expect(replayStarted).toBeLessThan(action.at);
      } finally {
        await fresh.shutdown();
      }
    } finally {
      await store.close();
    }
  }, 120_000);
});
