/**
 * Values a node returns skip LangGraph's second zod parse (graphs/state/state.ts markNodeOutput).
 * That is only sound while such a parse would change nothing: checked here on a run through every
 * node (plan, an error cell and its self-debug, a replan, critiques, the answer) on a real kernel.
 */
import { DeltaValue } from "@langchain/langgraph";
import { MemorySaver } from "@langchain/langgraph";
import type { z } from "zod";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { CodeActState, skippedParses } from "../../graphs/state/state";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { sharedKernel } from "../helpers/shared-kernel";

const plan = (...steps: string[]) => JSON.stringify({ steps: steps.map((description) => ({ description, doneCriterion: "printed" })) });

describe("node outputs", () => {
  const kernel = sharedKernel(() => new DockerJupyterExecutor());
  afterEach(() => void (skippedParses.observe = undefined));

  it("come out of the state schema's parse unchanged, so skipping it changes nothing", async () => {
    const skipped: [string, unknown][] = [];
    skippedParses.observe = (key, value) => skipped.push([key, structuredClone(value)]);
    const models = {
      planner: new ScriptedChatModel({ script: [plan("make x"), plan("make y", "print both")] }),
      coder: new ScriptedChatModel({
        script: ["<execute>\nx = 1\nprint(x / zero)\n</execute>", "<execute>\nprint(x)\n</execute>", "<execute>\ny = 2\nprint(y)\n</execute>", "<execute>\nprint(x, y)\n</execute>", "<solution>1 2</solution>"],
      }),
      critic: new ScriptedChatModel({
        script: ['{"verdict": "replan", "feedback": "also y"}', '{"verdict": "next", "feedback": ""}', '{"verdict": "next", "feedback": ""}', '{"verdict": "done", "answer": "1 2"}'],
      }),
    };
    const graph = createCodeActGraph({ models, executor: kernel(), checkpointer: new MemorySaver(), limits: { critic: "every-action" } });
    const state = await runCodeAct(graph, "make x and y", { threadId: "node-outputs" });
    expect(state.status).toBe("done");
    expect(state.cells.map((c) => c.result.status)).toEqual(["error", "ok", "ok", "ok"]);
    const keys = new Set(skipped.map(([k]) => k));
    for (const k of ["cells", "messages", "critiques", "plan", "pendingAction"]) expect(keys).toContain(k);
    const fields = (CodeActState as unknown as { fields: Record<string, z.ZodType | DeltaValue<unknown, unknown>> }).fields;
    for (const [key, value] of skipped) {
      const field = fields[key]!;
      const schema = (DeltaValue.isInstance(field) ? (field as unknown as { inputSchema: z.ZodType }).inputSchema : field) as z.ZodType;
      const items = DeltaValue.isInstance(field) && Array.isArray(value) && key !== "messages" ? value : [value];
      for (const item of items) expect({ key, value: schema.parse(item) }).toEqual({ key, value: item });
    }
  }, 120_000);
});
