import { Command } from "@langchain/langgraph";
import { step } from "../../graphs/step";
import type { CodeActStateValue, CodeActUpdate } from "../../graphs/state/state";
import { WallClockError } from "../../nodes/models/model-errors";

const state = {
  status: "running",
  observation: "",
  iterations: 2,
  pendingAction: null,
  cells: [],
  critiques: [{ step: 0, verdict: "next", feedback: "" }],
} as unknown as CodeActStateValue;
const config = {};

describe("a node as a graph step", () => {
  it("writes only the scalar fields that change, and every object field", async () => {
    const node = async (): Promise<CodeActUpdate> => ({ status: "running", observation: "", iterations: 3, pendingAction: null, plan: [] });
    expect(await step(node)(state, config)).toEqual({ iterations: 3, plan: [] });
  });

  it("ends the run with the wall-clock status when a model call outlives the clock", async () => {
    const node = async (): Promise<CodeActUpdate> => {
      throw new WallClockError(60_000);
    };
    const update = (await step(node)(state, config)) as CodeActUpdate;
    expect(update.status).toBe("wall_clock");
    expect(update.statusDetail).toMatch(/60 s wall-clock limit/);
  });

  it("lets any other failure through", async () => {
    const node = async (): Promise<CodeActUpdate> => {
      throw new Error("boom");
    };
    await expect(step(node)(state, config)).rejects.toThrow("boom");
  });

  it("routes on the state after the update, appended channels included, and leaves the state as it was", async () => {
    const seen: CodeActStateValue[] = [];
    const route = (s: CodeActStateValue) => (seen.push(s), "coder");
    const node = async (): Promise<CodeActUpdate> => ({ critiques: { step: 0, verdict: "replan", feedback: "no" }, iterations: 3 });
    const out = await step(node, route)(state, config);
    expect(out).toBeInstanceOf(Command);
    expect((out as Command).goto).toEqual(["coder"]);
    expect(seen[0]!.critiques.map((c) => c.verdict)).toEqual(["next", "replan"]);
    expect(seen[0]!.iterations).toBe(3);
    expect(seen[0]!.status).toBe("running");
    expect(state.critiques).toHaveLength(1);
    expect(state.iterations).toBe(2);
  });
});
