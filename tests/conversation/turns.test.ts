/**
 * Turns: how a follow-up starts (pure state functions), and the library's follow-up on the real
 * Docker kernel with the real ChatOpenAI client against a local fake server, in both context modes.
 */
import { MemorySaver } from "@langchain/langgraph";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import type { CodeActEvent } from "../../graphs/state/events";
import { runCodeAct, TurnInProgressError } from "../../graphs/run";
import type { CodeActStateValue } from "../../graphs/state/state";
import { allTurns } from "../../graphs/state/turns";
import { LimitsSchema } from "../../graphs/state/limits";
import { compactIfNeeded } from "../../nodes/prompting/compaction";
import type { NodeContext } from "../../nodes/context";
import { pendingMessages } from "../../nodes/prompting/conversation";
import { createRoleModels } from "../../nodes/models/models";
import { startTurn } from "../../nodes/turns";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { roleOf, roleReplies, type RoleScript, textOf } from "../helpers/role-script";

/** A state as the schema's defaults make it, with the given fields. */
function stateWith(fields: Partial<CodeActStateValue>): CodeActStateValue {
  return {
    task: "",
    plan: [],
    currentStep: 0,
    cells: [],
    critiques: [],
    messages: [],
    turns: [],
    turn: 0,
    request: "",
    turnFirstCell: 0,
    stepClaimed: false,
    pendingAction: null,
    observation: "",
    debugAttempts: 0,
    iterations: 0,
    invalidOutputs: 0,
    replans: 0,
    feedback: "",
    tokens: 0,
    startedAt: 0,
    status: "running",
    statusDetail: "",
    answer: null,
    rejected: false,
    ...fields,
  } as CodeActStateValue;
}

const cell = (id: string, stdout: string) => ({ id, step: 0, attempt: 0, code: `print(${JSON.stringify(stdout)})`, result: { status: "ok" as const, stdout, stderr: "", results: [], toolCalls: [], durationMs: 1, truncated: false }, startedAt: "" });

describe("starting a turn", () => {
  const ended = stateWith({
    task: "Second request", // the input of the follow-up, in transit
    request: "First request",
    status: "done",
    answer: "first answer",
    plan: [{ description: "one step", doneCriterion: "" }],
    currentStep: 0,
    replans: 0,
    iterations: 5,
    tokens: 900,
    startedAt: 123,
    cells: [cell("c1", "a\n")],
    messages: [
      { role: "user", kind: "task", content: "Task: First request" },
      { role: "user", kind: "plan", ref: "plan:0:0", content: "Plan: …" },
      { role: "assistant", kind: "reply", content: "<solution>first answer</solution>" },
    ],
  });

  test("a follow-up records the ended turn, resets the turn's fields and budgets, keeps the first request as the task", () => {
    const { update, state, started } = startTurn(ended);
    expect(started).toEqual({ index: 1, request: "Second request" });
    expect(update).toMatchObject({ task: "First request", turn: 1, request: "Second request", turnFirstCell: 1, status: "running", answer: null, plan: [], iterations: 0, tokens: 0, startedAt: 0, replans: 0 });
    expect(update.turns).toEqual({ index: 0, request: "First request", answer: "first answer", status: "done", statusDetail: "", firstCell: 0, tokens: 900 });
    expect(state.turns).toHaveLength(1);
    expect(state.messages.at(-1)).toMatchObject({ role: "user", kind: "user", ref: "turn:1" });
    expect(state.messages.at(-1)!.content).toMatch(/accepted answer was: first answer[\s\S]*\(turn 2\)[\s\S]*Second request$/);
    expect(allTurns(state).map((t) => [t.index, t.request, t.firstCell, t.endCell, t.current])).toEqual([
      [0, "First request", 0, 1, false],
      [1, "Second request", 1, 1, true],
    ]);
  });

  test("the new turn's first plan enters the conversation even at the plan position the last turn ended on", () => {
    const { state } = startTurn(ended);
    const planned = { ...state, plan: [{ description: "another step", doneCriterion: "" }] };
    const added = pendingMessages(planned).filter((m) => m.kind === "plan");
    expect(added).toEqual([expect.objectContaining({ kind: "plan", ref: "plan:0:0:1", content: expect.stringMatching(/^Plan:\n→ 1\. another step/) })]);
  });

  test("a new input on a turn in progress is an instruction for it (a replan), never a new turn", () => {
    const running = stateWith({ task: "Do something else", request: "First request", plan: [{ description: "s", doneCriterion: "" }], pendingAction: { kind: "code", code: "x = 1", thought: "" } });
    const { update, started } = startTurn(running);
    expect(started).toBeUndefined();
    expect(update).toEqual({ task: "First request", feedback: "Instruction from the user: Do something else", observation: "Instruction from the user: Do something else", pendingAction: null });
  });

  test("the first turn records its request; a replan inside it changes nothing", () => {
    const first = startTurn(stateWith({ task: "Only request" }));
    expect(first.update).toEqual({ request: "Only request" });
    expect(first.started).toEqual({ index: 0, request: "Only request" });
    const replan = startTurn(stateWith({ task: "Only request", request: "Only request", plan: [{ description: "s", doneCriterion: "" }], feedback: "try again" }));
    expect(replan.update).toEqual({});
  });
});

test("a compaction in a later turn keeps the turn's request in its summary", async () => {
  const { state } = startTurn(
    stateWith({ task: "Second request", request: "First request", status: "done", answer: "a", messages: [{ role: "user", kind: "task", content: "Task: First request" }] }),
  );
  const long = "y".repeat(3_000);
  const messages = [...state.messages, ...[1, 2, 3, 4].flatMap((i) => [{ role: "assistant" as const, kind: "reply" as const, content: `${i}${long}` }, { role: "user" as const, kind: "feedback" as const, content: long }])];
  // Over the token budget: the summary is a digest, written without a model call.
  const ctx = { limits: LimitsSchema.parse({ contextTokens: 1_000, tokenBudget: 1 }) } as unknown as NodeContext;
  const compaction = await compactIfNeeded(ctx, { ...state, tokens: 5 }, messages, "system", {}, () => undefined, false);
  expect(compaction?.summary.content).toMatch(/^Task: First request$/m);
  expect(compaction?.summary.content).toMatch(/^Current request \(turn 2\): Second request$/m);
});

describe("runCodeAct follow-ups on the real kernel", () => {
  let executor: DockerJupyterExecutor;
  const servers: FakeOpenAI[] = [];
  beforeAll(async () => {
    executor = new DockerJupyterExecutor();
    await executor.start();
  }, 60_000);
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await executor?.shutdown();
  });

  const NEXT = '{"verdict": "next", "feedback": ""}';
  const DONE = (answer: string) => JSON.stringify({ verdict: "done", feedback: "", answer });
  const PLAN = (what: string) => JSON.stringify({ steps: [{ description: what, doneCriterion: "printed" }] });
  const script: RoleScript = {
    planner: [PLAN("set x"), PLAN("print x + 1")],
    coder: ["<execute>\nx = 41\nprint('x is', x)\n</execute>\n<step_done/>", "<solution>x is 41</solution>", "<execute>\nprint(x + 1)\n</execute>\n<step_done/>", "<solution>42</solution>"],
    critic: [NEXT, DONE("x is 41"), NEXT, DONE("42")],
  };

  test.each(["window", "conversation"] as const)("%s context: turn 2 uses turn 1's variable, the coder and critic see the new request", async (context) => {
    await executor.restart();
    const { reply } = roleReplies(script);
    const server = await startFakeOpenAI([reply], { repeatLast: true });
    servers.push(server);
    const checkpointer = new MemorySaver();
    const graph = createCodeActGraph({ models: createRoleModels({ model: "fake-model", baseUrl: server.baseUrl, maxRetries: 0 }), executor, checkpointer, limits: { context } });
    const threadId = `turns-${context}`;
    const first = await runCodeAct(graph, "Set x to 41", { threadId });
    expect(first).toMatchObject({ status: "done", answer: "x is 41" });
    const turn1Requests = server.requests.length;

    const events: CodeActEvent[] = [];
    const second = await runCodeAct(graph, "Now print x plus one", { threadId, onEvent: (e) => events.push(e) });
    expect(second).toMatchObject({ task: "Set x to 41", request: "Now print x plus one", turn: 1, status: "done", answer: "42", iterations: 2 });
    expect(second.cells.map((c) => c.result.stdout)).toEqual(["x is 41\n", "42\n"]);
    expect(events.filter((e) => e.type === "turn")).toEqual([{ type: "turn", index: 1, request: "Now print x plus one" }]);
    expect(events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "42" });
    const later = server.requests.slice(turn1Requests);
    const coder = later.filter((r) => roleOf(r) === "coder")[0]!;
    expect(coder.messages.map((m) => textOf(m.content)).join("\n")).toMatch(/Now print x plus one/);
    // The critic's evidence for turn 2's step 1 is turn 2's cell, not turn 1's cell of the same step.
    const critic = later.filter((r) => roleOf(r) === "critic")[0]!;
    const criticText = critic.messages.map((m) => textOf(m.content)).join("\n");
    expect(criticText).toMatch(/Now print x plus one/);
    if (context === "window") expect(criticText).not.toMatch(/x = 41/);
  }, 180_000);

  test("a follow-up on a turn waiting for approval is refused, and the pending action is kept", async () => {
    const { reply } = roleReplies({ planner: [PLAN("print")], coder: ["<execute>\nprint('pending')\n</execute>"] });
    const server = await startFakeOpenAI([reply], { repeatLast: true });
    servers.push(server);
    const checkpointer = new MemorySaver();
    const graph = createCodeActGraph({ models: createRoleModels({ model: "fake-model", baseUrl: server.baseUrl, maxRetries: 0 }), executor, checkpointer, limits: { approve: true } });
    const config = { configurable: { thread_id: "turns-approve" } };
    const first = await runCodeAct(graph, "Print something", { threadId: "turns-approve" });
    expect(first.awaitingApproval).toMatchObject({ kind: "approve_code", code: "print('pending')" });
    const before = await graph.getState(config);
    const refused = await runCodeAct(graph, "Something else", { threadId: "turns-approve" }).catch((e: Error) => e);
    expect(refused).toBeInstanceOf(TurnInProgressError);
    expect((refused as Error).message).toMatch(/turn in progress \(next: executor\)[\s\S]*Resume it first/);
    const after = await graph.getState(config);
    expect(after.next).toEqual(["executor"]);
    expect(after.config.configurable?.checkpoint_id).toBe(before.config.configurable?.checkpoint_id);
    expect((after.values as CodeActStateValue).task).toBe("Print something");
  }, 120_000);
});
