/**
 * Defaults fit long autonomous runs: the run's length is the user's (maxIterations); no other budget
 * left at its default ends a 500-action run on a 32k-context model (conversation compaction keeps
 * each request bounded), and a budget the user sets is honoured exactly.
 */
import type { BaseMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { type LimitsInput, LimitsSchema } from "../../graphs/state/limits";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { sharedKernel } from "../helpers/shared-kernel";

const text = (m: BaseMessage) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content));

/** A coder that acts `actions` times (each cell prints ~300 characters), summarises when asked, then answers. */
function longCoder(actions: number) {
  let acted = 0;
  return new ScriptedChatModel({
    script: [
      (messages) => {
        if (text(messages.at(-1)!).startsWith("The conversation is getting long")) return `Summary: x was incremented ${acted} times so far.`;
        if (acted++ < actions) return `Step ${acted}.\n<execute>\nx = globals().get('x', 0) + 1\nprint('x is', x, '.' * 300)\n</execute>`;
        return "<solution>done</solution>";
      },
    ],
    whenExhausted: "repeat-last",
  });
}

async function run(actions: number, limits: LimitsInput, executor: DockerJupyterExecutor) {
  const models = {
    planner: new ScriptedChatModel({ script: ['{"steps": [{"description": "count", "doneCriterion": "x printed"}]}'] }),
    coder: longCoder(actions),
    critic: new ScriptedChatModel({ script: ['{"verdict": "done", "answer": "done"}'], whenExhausted: "repeat-last" }),
  };
  const graph = createCodeActGraph({ models, executor, checkpointer: new MemorySaver(), limits });
  return runCodeAct(graph, "count", { threadId: `long-${Math.random()}` });
}

describe("defaults for long runs", () => {
  const kernel = sharedKernel(() => new DockerJupyterExecutor());

  it("leave the total of tokens unlimited unless set", () => {
    expect(LimitsSchema.parse({}).tokenBudget).toBeUndefined();
    expect(LimitsSchema.parse({ tokenBudget: 5_000 }).tokenBudget).toBe(5_000);
  });

  it("no default budget ends a 500-action run on a 32k-context model; the run's own length is the user's", async () => {
    const state = await run(500, { maxIterations: 501, contextTokens: 20_000 }, kernel() as DockerJupyterExecutor);
    expect(state.statusDetail).toBe("");
    expect(state.status).toBe("done");
    expect(state.cells).toHaveLength(500);
    // Far more than the 2,000,000 the old default allowed: compaction bounded each request, not the total.
    expect(state.tokens).toBeGreaterThan(2_000_000);
  }, 240_000);

  it("a token budget the user sets ends the run at it", async () => {
    await kernel().restart();
    const state = await run(200, { maxIterations: 201, tokenBudget: 50_000 }, kernel() as DockerJupyterExecutor);
    expect(state.status).toBe("token_budget");
    expect(state.statusDetail).toMatch(/of a 50000 budget$/);
    expect(state.tokens).toBeGreaterThanOrEqual(50_000);
    expect(state.cells.length).toBeLessThan(200);
  }, 120_000);
});
