/** The CodeAct graph end to end: scripted models, the real Docker kernel, real tools. */
import { tool } from "@langchain/core/tools";
import { MemorySaver } from "@langchain/langgraph";
import { z } from "zod";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import type { CodeActEvent } from "../../graphs/state/events";
import type { LimitsInput } from "../../graphs/state/limits";
import { runCodeAct } from "../../graphs/run";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { ToolBridge } from "../../tools/bridge";

const plan = (...steps: string[]) => JSON.stringify({ steps: steps.map((description) => ({ description, doneCriterion: "output shows it" })) });
const verdict = (v: "next" | "replan" | "done", feedback = "", answer?: string) => JSON.stringify({ verdict: v, feedback, ...(answer ? { answer } : {}) });

let executor: DockerJupyterExecutor;
beforeAll(async () => {
  executor = new DockerJupyterExecutor();
  await executor.start();
}, 60_000);
afterAll(() => executor?.shutdown());
beforeEach(() => executor.restart(), 30_000);

async function run(scripts: { planner: string[]; coder: string[]; critic: string[] }, limits: LimitsInput = {}, tools?: ToolBridge, kernel: DockerJupyterExecutor = executor) {
  const models = {
    planner: new ScriptedChatModel({ script: scripts.planner }),
    coder: new ScriptedChatModel({ script: scripts.coder }),
    critic: new ScriptedChatModel({ script: scripts.critic }),
  };
  // These scripts review every successful action (the critic pattern they were written for).
  const graph = createCodeActGraph({ models, executor: kernel, limits: { critic: "every-action", ...limits }, tools, checkpointer: new MemorySaver() });
  const events: CodeActEvent[] = [];
  const state = await runCodeAct(graph, "the task", { threadId: `t-${Math.random()}`, onEvent: (e) => events.push(e) });
  return { state, events, models };
}

describe("CodeAct graph (scripted models, Docker kernel)", () => {
  it("self-debugs: an execution error goes back to the coder with the traceback, then succeeds", async () => {
    const { state, events, models } = await run({
      planner: [plan("load numbers and sum them")],
      coder: [
        "<execute>\nnums = [1, 2, 3]\nprint(sum(nums) / zero)\n</execute>",
        "The name was wrong.\n<execute>\ntotal = sum(nums)\nprint(total)\n</execute>",
        "<solution>6</solution>",
      ],
      critic: [verdict("next", "sum printed"), verdict("done", "correct", "6")],
    });
    expect(state.status).toBe("done");
    expect(state.answer).toBe("6");
    expect(state.cells.map((c) => [c.result.status, c.attempt])).toEqual([["error", 0], ["ok", 1]]);
    expect(state.cells[0]!.result.error?.evalue).toBe("name 'zero' is not defined");
    expect(events.filter((e) => e.type === "self_debug")).toHaveLength(1);
    // The retry prompt showed the coder its error; the critic was not consulted about the failure.
    const retryPrompt = JSON.stringify(models.coder.calls[1]!.map((m) => m.content));
    expect(retryPrompt).toContain("NameError");
    expect(models.critic.calls).toHaveLength(2);
    // Variables persist across cells: `nums` from the failed cell's first line was used by the retry.
    expect(state.cells[1]!.result.stdout).toBe("6\n");
  }, 60_000);

  it("replans when the critic says so, and the new plan is followed", async () => {
    const replan = await run({
      planner: [plan("read data from the web"), plan("make the data locally", "summarise it")],
      coder: [
        "<execute>\nimport urllib.request\ndata = urllib.request.urlopen('http://example.com', timeout=2).read()\n</execute>",
        "<execute>\ndata = list(range(10))\nprint(len(data))\n</execute>",
        "<execute>\nprint(sum(data))\n</execute>",
        "<solution>45</solution>",
      ],
      critic: [verdict("replan", "no network in the sandbox: generate the data instead"), verdict("next"), verdict("next"), verdict("done", "", "45")],
    }, { maxDebugAttempts: 0 });
    expect(replan.state.status).toBe("done");
    expect(replan.state.answer).toBe("45");
    expect(replan.state.replans).toBe(1);
    expect(replan.state.plan.map((s) => s.description)).toEqual(["make the data locally", "summarise it"]);
    const plans = replan.events.filter((e) => e.type === "plan");
    expect(plans.map((p) => (p as { replan: boolean }).replan)).toEqual([false, true]);
  }, 60_000);

  it("ends with status debug_exhausted when every retry fails and the critic gives up", async () => {
    const failing = "<execute>\nimport missing_module_xyz\n</execute>";
    const { state, events } = await run(
      { planner: [plan("import the module")], coder: [failing, failing, failing], critic: [verdict("done", "the module does not exist here")] },
      { maxDebugAttempts: 2 },
    );
    expect(state.status).toBe("debug_exhausted");
    expect(state.answer).toBeNull();
    expect(state.cells).toHaveLength(3);
    expect(state.cells.every((c) => c.result.error?.ename === "ModuleNotFoundError")).toBe(true);
    expect(events.filter((e) => e.type === "self_debug")).toHaveLength(2);
    expect(state.statusDetail).toMatch(/failed 3 times/);
  }, 60_000);

  it("calls a TypeScript tool from the code action and records the call in the cell", async () => {
    let calls = 0;
    const rates = tool(
      async ({ currency }) => {
        calls++;
        return { currency, perUsd: currency === "EUR" ? 0.92 : 1 };
      },
      { name: "exchange_rate", description: "Units of a currency per US dollar.", schema: z.object({ currency: z.string() }) },
    );
    const { state, models } = await run(
      {
        planner: [plan("convert 100 USD to EUR")],
        coder: ["<execute>\nrate = exchange_rate('EUR')\nprint(round(100 * rate['perUsd'], 2))\n</execute>", "<solution>92.0 EUR</solution>"],
        critic: [verdict("next"), verdict("done", "", "92.0 EUR")],
      },
      {},
      new ToolBridge([rates]),
    );
    expect(state.status).toBe("done");
    expect(calls).toBe(1);
    expect(state.cells[0]!.result.stdout).toBe("92.0\n");
    expect(state.cells[0]!.result.toolCalls[0]).toMatchObject({ name: "exchange_rate", args: { currency: "EUR" }, result: { currency: "EUR", perUsd: 0.92 } });
    // The coder was told the tool exists, with its Python signature.
    expect(JSON.stringify(models.coder.calls[0]!.map((m) => m.content))).toContain("exchange_rate(currency: str)");
  }, 60_000);

  it("ends inside its budget with a clear status when the model never produces a valid action", async () => {
    const { state, events, models } = await run(
      {
        planner: ["this is not json at all", "still not json"],
        coder: ["I think we should compute it.", "<execute>\nprint(1)", "```python\nx=1\n```\n```python\ny=2\n```"],
        critic: [],
      },
      { maxInvalidOutputs: 3 },
    );
    expect(state.status).toBe("invalid_output");
    expect(state.iterations).toBe(3);
    expect(state.cells).toHaveLength(0);
    expect(models.coder.calls).toHaveLength(3);
    const reasons = events.filter((e) => e.type === "invalid_output").map((e) => (e as { reason: string }).reason);
    // The planner's unusable JSON is said once (naming the role and the reply's start), then the coder's three.
    expect(reasons[0]).toMatch(/^The planner's reply could not be read .*it began: "still not json"/);
    expect(reasons[1]).toMatch(/no action/);
    expect(reasons[2]).toMatch(/not closed/);
    expect(reasons[3]).toMatch(/2 code blocks/);
    expect(reasons).toHaveLength(4);
    // The planner's unusable JSON was repaired once, then fell back to a one-step plan.
    expect(state.plan).toEqual([{ description: "the task", doneCriterion: "the task is answered" }]);
  }, 60_000);

  it("stops at maxIterations with status max_iterations", async () => {
    const { state } = await run(
      { planner: [plan("loop")], coder: Array(5).fill("<execute>\nprint('again')\n</execute>"), critic: Array(5).fill(verdict("next")) },
      { maxIterations: 3 },
    );
    expect(state.status).toBe("max_iterations");
    expect(state.iterations).toBe(3);
    expect(state.statusDetail).toMatch(/3 coder turns/);
  }, 60_000);

  /** Three actions: define data, break the kernel somehow, use the data; the run must still finish. */
  const survives = (breaker: string, limits: LimitsInput, kernel: DockerJupyterExecutor) =>
    run(
      {
        planner: [plan("build data, then summarise")],
        coder: ["<execute>\ndata = list(range(100))\n</execute>", `<execute>\n${breaker}\n</execute>`, "<execute>\nprint(sum(data))\n</execute>", "<solution>4950</solution>"],
        critic: [verdict("next"), verdict("next"), verdict("done", "", "4950")],
      },
      limits,
      undefined,
      kernel,
    );

  it("survives a kernel killed for memory: a fresh kernel with the earlier variables, and the agent goes on", async () => {
    const small = new DockerJupyterExecutor({ limits: { memoryMb: 256 } });
    try {
      const { state, events } = await survives("hog = bytearray(1024 ** 3)\nhog[::4096] = b'x' * len(hog[::4096])", {}, small);
      expect(state.status).toBe("done");
      expect(state.cells.map((c) => c.result.status)).toEqual(["ok", "died", "ok"]);
      expect(state.cells[1]!.result.died?.reason).toBe("oom");
      expect(state.cells[2]!.result.stdout).toBe("4950\n");
      expect(events.some((e) => e.type === "rehydrated" && e.replayed === 1)).toBe(true);
    } finally {
      await small.shutdown();
    }
  }, 90_000);

  it("rebuilds a kernel restarted under a runaway cell that ignored the interrupt, so earlier variables are back", async () => {
    const stubborn = new DockerJupyterExecutor({ interruptGraceMs: 1_000 });
    try {
      const runaway = "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass";
      const { state, events } = await survives(runaway, { cellTimeoutMs: 1_500 }, stubborn);
      expect(state.status).toBe("done");
      expect(state.cells.map((c) => c.result.status)).toEqual(["ok", "timeout", "ok"]);
      expect(state.cells[1]!.result.error?.evalue).toContain("restarted");
      expect(state.cells[2]!.result.stdout).toBe("4950\n");
      expect(events.some((e) => e.type === "rehydrated" && e.replayed === 1)).toBe(true);
    } finally {
      await stubborn.shutdown();
    }
  }, 90_000);
});
