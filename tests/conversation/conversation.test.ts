/**
 * The coder's memory is an append-only conversation: checked on the requests the real ChatOpenAI
 * client sends to a local server that records them, with the real Docker kernel.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseCheckpointSaver } from "@langchain/langgraph";
import { createCheckpointer } from "../../checkpoints/savers";
import { branchThread } from "../../graphs/branch";
import { readThreadState, threadHistory } from "../../graphs/threads";
import { DockerJupyterExecutor } from "../../executors/docker";
import { MemorySaver } from "@langchain/langgraph";
import { createCodeActGraph } from "../../graphs/codeact";
import type { CodeActEvent } from "../../graphs/state/events";
import type { LimitsInput } from "../../graphs/state/limits";
import { runCodeAct } from "../../graphs/run";
import { createRoleModels } from "../../nodes/models/models";
import { toHtml } from "../../exports/html";
import { toNotebook } from "../../exports/notebook";
import { type FakeOpenAI, type FakeOptions, startFakeOpenAI } from "../helpers/fake-openai";
import { maxTurnChars, roleOf, roleReplies, type RoleScript, textOf } from "../helpers/role-script";

const plan = (...steps: string[]) => JSON.stringify({ steps: steps.map((description) => ({ description, doneCriterion: "output shows it" })) });
const verdict = (v: "next" | "replan" | "done", feedback = "", answer?: string) => JSON.stringify({ verdict: v, feedback, ...(answer ? { answer } : {}) });
type Req = FakeOpenAI["requests"][number];
const same = (a: Req["messages"], b: Req["messages"]) => JSON.stringify(a) === JSON.stringify(b);
/** True when `longer` starts with every message of `shorter`. */
const extends_ = (longer: Req, shorter: Req["messages"]) => same(longer.messages.slice(0, shorter.length), shorter);

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

async function serve(script: RoleScript, options: FakeOptions = {}) {
  const { reply } = roleReplies(script);
  const server = await startFakeOpenAI([reply], { repeatLast: true, ...options });
  servers.push(server);
  return server;
}

async function run(server: FakeOpenAI, limits: LimitsInput = {}, model = "fake-model", more: { checkpointer?: BaseCheckpointSaver; threadId?: string; resume?: boolean } = {}) {
  if (!more.resume) await executor.restart();
  const graph = createCodeActGraph({ models: createRoleModels({ model, baseUrl: server.baseUrl, maxRetries: 0 }), executor, limits, checkpointer: more.checkpointer });
  const events: CodeActEvent[] = [];
  const state = await runCodeAct(graph, more.resume ? null : "add two numbers", { threadId: more.threadId ?? `c-${Math.random()}`, onEvent: (e) => events.push(e) });
  return { state, events, byRole: (role: string) => server.requests.filter((r) => roleOf(r) === role) };
}

describe("the coder's conversation", () => {
  it("each coder request is the previous one plus new messages; review and replan requests reuse that prefix; the critic runs on claims", async () => {
    const server = await serve({
      planner: [plan("make x and y", "add them"), plan("add x and y")],
      coder: [
        "Start with x.\n<execute>\nx = 1\nprint(x)\n</execute>",
        "<execute>\nprint(y)\n</execute>",
        "Define y too; this finishes the step.\n<execute>\ny = 2\nprint(x, y)\n</execute>\n<step_done/>",
        "<execute>\nimport nosuchmod\n</execute>",
        "<execute>\nimport nosuchmod2\n</execute>",
        "<execute>\nprint(x + y)\n</execute>",
        "<solution>3</solution>",
      ],
      critic: [verdict("next", "x and y exist"), verdict("replan", "no such module: add directly"), verdict("done", "", "3")],
    });
    const { state, byRole } = await run(server, { maxDebugAttempts: 1 });
    expect(state.status).toBe("done");
    expect(state.answer).toBe("3");
    const roles = server.requests.map(roleOf);
    // The critic ran on the claim, on the exhausted retries and on the answer: not after every cell.
    expect(roles).toEqual(["planner", "coder", "coder", "coder", "critic", "coder", "coder", "critic", "planner", "coder", "coder", "critic"]);
    const coder = byRole("coder");
    for (let i = 1; i < coder.length; i++) {
      expect(extends_(coder[i]!, coder[i - 1]!.messages)).toBe(true);
      // The reply the model gave is repeated verbatim as the next assistant turn.
      expect(coder[i]!.messages[coder[i - 1]!.messages.length]).toEqual({ role: "assistant", content: expect.any(String) });
    }
    // A review or a replan is the conversation so far plus one instruction, and the conversation goes on after it.
    server.requests.forEach((r, i) => {
      if (i === 0 || roles[i] === "coder") return;
      const nextCoder = server.requests.slice(i + 1).find((x) => roleOf(x) === "coder");
      if (nextCoder) expect(extends_(nextCoder, r.messages.slice(0, -1))).toBe(true);
    });
    const last = coder.at(-1)!.messages.map((m) => textOf(m.content));
    expect(last.join("\n")).toContain("NameError");
    expect(last.join("\n")).toContain("add x and y"); // the new plan arrived as a message
    expect(state.messages.filter((m) => m.kind === "reply")).toHaveLength(7);
    expect(state.messages.filter((m) => m.kind === "observation").map((m) => m.ref)).toEqual(state.cells.map((c) => c.id));
  }, 90_000);

  it("compacts past the budget: one summary written by the model, the last turns verbatim, and append-only again after it", async () => {
    const block = (i: number) => `<execute>\nv${i} = ${i}\nprint(str(v${i}) * 700)\n</execute>`;
    const server = await serve({
      planner: [plan("print big things")],
      coder: [...Array.from({ length: 14 }, (_, i) => block(i)), "<solution>done</solution>"],
      summary: ["SUMMARY-ONE: v0..v5 exist, each printed 700 digits.", ...Array(5).fill({ status: 400, message: "context too long" })],
      critic: [verdict("done", "", "done")],
    });
    // Tokens, about 6,800 characters: the system prompt (≈2,500, the planner's and reviewer's
    // instructions included) stays whole, and two kept turns of ≈1,450 must fit beside it.
    const budget = 1_700;
    const saver = new MemorySaver();
    const { state, events, byRole } = await run(server, { contextTokens: budget }, "fake-model", { checkpointer: saver, threadId: "compact" });
    expect(state.status).toBe("done");
    const compactions = events.filter((e) => e.type === "compaction");
    expect(compactions.length).toBeGreaterThanOrEqual(2);
    // The first summary came from the model; later calls failed, so a digest stands in.
    expect(compactions.map((e) => (e as { digest: boolean }).digest)).toEqual([false, ...compactions.slice(1).map(() => true)]);
    const summaries = state.messages.filter((m) => m.kind === "summary");
    // Exports show where the context was compacted and what the coder was told from then on.
    const md = toNotebook(state, "t").cells.filter((c) => c.cell_type === "markdown").map((c) => String(c.source));
    expect(md.filter((m) => m.startsWith("### Context compacted"))).toHaveLength(compactions.length);
    expect(md.join("\n")).toContain("> SUMMARY-ONE");
    expect(toHtml(state, "t")).toContain("<h3>Context compacted</h3>");
    // `codeact history` counts the compactions each checkpoint had seen, from none to all of them.
    const counts = (await threadHistory(saver, "compact")).map((h) => Number(/context compacted (\d+)×/.exec(h.summary)?.[1] ?? 0));
    expect(counts.at(-1)).toBe(compactions.length);
    expect(counts).toEqual([...counts].sort((a, b) => a - b));
    expect(new Set(counts).size).toBe(compactions.length + 1);
    expect(summaries[1]!.content).toMatch(/written without the model[\s\S]*In the kernel: .*v\d/);
    const coder = byRole("coder");
    const i = coder.findIndex((r) => textOf(r.messages[1]!.content).includes("SUMMARY-ONE"));
    expect(i).toBeGreaterThan(0);
    // Right after the compaction: system, summary, then the last two replies and what followed them, verbatim.
    const before = coder[i - 1]!.messages;
    const after = coder[i]!.messages;
    expect(after[0]).toEqual(before[0]);
    expect(before.at(-2)!.role).toBe("assistant");
    expect(after.slice(2, 4)).toEqual(before.slice(-2));
    expect(after[4]!.role).toBe("assistant");
    expect(after.length).toBeLessThan(before.length);
    // Append-only again until the next compaction.
    expect(extends_(coder[i + 1]!, after)).toBe(true);
    // The request never grew past the budget by more than one turn.
    const chars = (r: Req) => r.messages.reduce((n, m) => n + textOf(m.content).length, 0);
    const turn = Math.max(...coder.map(maxTurnChars));
    expect(Math.max(...coder.map(chars))).toBeLessThanOrEqual(budget * 4 + turn);
  }, 90_000);

  it("a resumed and a branched thread rebuild the same conversation", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codeact-conv-"));
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "cp.sqlite") });
    try {
      const server = await serve({
        planner: [plan("make x", "double it")],
        coder: ["<execute>\nx = 5\n</execute>\n<step_done/>", "<execute>\ny = x * 2\nprint(y)\n</execute>", "<solution>10</solution>", "<solution>15</solution>"],
        critic: [verdict("next"), verdict("done", "", "10"), verdict("done", "", "15")],
      });
      // Approval mode pauses before each action; each resume is a new graph (as after a restart).
      const limits = { approve: true };
      let state = await run(server, limits, "fake-model", { checkpointer: store.saver, threadId: "conv" });
      for (let n = 0; n < 5 && state.state.status === "running"; n++) {
        const graph = createCodeActGraph({ models: createRoleModels({ model: "fake-model", baseUrl: server.baseUrl, maxRetries: 0 }), executor, limits, checkpointer: store.saver });
        state = { ...state, state: await runCodeAct(graph, null, { threadId: "conv", onApproval: async () => ({ action: "approve" }) }) };
      }
      expect(state.state.answer).toBe("10");
      const coder = server.requests.filter((r) => roleOf(r) === "coder");
      for (let i = 1; i < coder.length; i++) expect(extends_(coder[i]!, coder[i - 1]!.messages)).toBe(true);
      const saved = await readThreadState(store.saver, "conv");
      expect(saved.messages).toEqual(state.state.messages);

      // Branch before the second action ran, with other code: the branch's next request continues the same conversation.
      const at = (await threadHistory(store.saver, "conv")).filter((h) => h.next[0] === "executor")[1]!;
      const branch = await branchThread(store.saver, "conv", at.checkpointId, { code: "y = x * 3\nprint(y)" });
      const seen = server.requests.length;
      const graph = createCodeActGraph({ models: createRoleModels({ model: "fake-model", baseUrl: server.baseUrl, maxRetries: 0 }), executor, checkpointer: store.saver });
      const b = await runCodeAct(graph, null, { threadId: branch });
      expect(b.answer).toBe("15");
      const first = server.requests.slice(seen).find((r) => roleOf(r) === "coder")!;
      // Everything the original coder saw up to the second action, then its reply, then the change and its output.
      expect(extends_(first, coder[1]!.messages)).toBe(true);
      const added = first.messages.slice(coder[1]!.messages.length).map((m) => textOf(m.content));
      expect(added[0]).toBe("<execute>\ny = x * 2\nprint(y)\n</execute>");
      expect(added[1]).toContain("y = x * 3");
      expect(added[2]).toContain("15");
    } finally {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("planner and critic send no response_format on the coder's prefix; the window design uses it, and the text path when the server refuses", async () => {
    const script = () => ({ planner: [plan("print 1")], coder: ["<execute>\nprint(1)\n</execute>\n<step_done/>", "<solution>1</solution>"], critic: [verdict("next"), verdict("done", "", "1")] });
    const shared = await serve(script());
    const c = await run(shared);
    expect(c.state.answer).toBe("1");
    // OpenAI counts a schema as part of the cached prefix: a request with one would miss the coder's cache.
    expect(shared.requests.map((r) => [roleOf(r), r.response_format?.json_schema?.name ?? null])).toEqual([["planner", null], ["coder", null], ["critic", null], ["coder", null], ["critic", null]]);

    const ok = await serve(script());
    const a = await run(ok, { context: "window", critic: "claims" });
    expect(a.state.answer).toBe("1");
    const formats = ok.requests.map((r) => [roleOf(r), r.response_format?.json_schema?.name ?? null]);
    expect(formats).toEqual([["planner", "plan"], ["coder", null], ["critic", "verdict"], ["coder", null], ["critic", "verdict"]]);
    expect(JSON.stringify(ok.requests[0]!.response_format!.json_schema!.schema)).toContain("doneCriterion");

    const refusing = await serve(script(), { rejectResponseFormat: true });
    const b = await run(refusing, { context: "window", critic: "claims" });
    expect(b.state.status).toBe("done");
    expect(b.state.answer).toBe("1");
    // Refused once with HTTP 400, asked again as text, and never offered structured output again.
    expect(refusing.requests.map((r) => [roleOf(r), Boolean(r.response_format)])).toEqual([["planner", true], ["planner", false], ["coder", false], ["critic", false], ["coder", false], ["critic", false]]);
  }, 90_000);

  it("a figure reaches a vision model as an image part; other models get a description", async () => {
    const script = () => ({
      planner: [plan("plot")],
      coder: ["<execute>\nimport matplotlib.pyplot as plt\nplt.plot([1, 2, 3]); plt.show()\n</execute>", "<solution>plotted</solution>"],
      critic: [verdict("done", "", "plotted")],
    });
    const vision = await serve(script());
    await run(vision, {}, "gpt-4o");
    const seen = vision.requests.filter((r) => roleOf(r) === "coder")[1]!.messages.at(-1)!;
    expect(Array.isArray(seen.content)).toBe(true);
    const parts = seen.content as { type: string; text?: string; image_url?: { url: string } }[];
    expect(parts[0]!.text).toMatch(/\[figure 1: image\/png \d+×\d+, <Figure size 640x480 with 1 Axes>\]/);
    expect(parts[1]!.image_url!.url).toMatch(/^data:image\/png;base64,iVBOR/);

    const blind = await serve(script());
    await run(blind, {}, "fake-model");
    const text = blind.requests.filter((r) => roleOf(r) === "coder")[1]!.messages.at(-1)!.content;
    expect(typeof text).toBe("string");
    expect(text).toMatch(/\[figure 1: image\/png \d+×\d+, <Figure size 640x480 with 1 Axes>\]/);
    expect(text).not.toContain("base64");
  }, 90_000);

  it("a figure kept in the artifact store (over 64 KB) still reaches a vision model whole", async () => {
    const server = await serve({
      planner: [plan("show noise")],
      // Noise does not compress: a PNG of a few hundred KB, moved out of the cell into the store.
      coder: ["<execute>\nimport numpy as np, matplotlib.pyplot as plt\nplt.figure(dpi=150); plt.imshow(np.random.rand(400, 400)); plt.show()\n</execute>", "<solution>shown</solution>"],
      critic: [verdict("done", "", "shown")],
    });
    const { state } = await run(server, {}, "gpt-4o", { checkpointer: new MemorySaver() });
    const ref = state.cells[0]!.result.results[0]!.artifacts?.["image/png"];
    expect(ref).toBeDefined();
    expect(state.cells[0]!.result.results[0]!.data["image/png"]).toBeUndefined();
    const seen = server.requests.filter((r) => roleOf(r) === "coder")[1]!.messages.at(-1)!;
    const parts = seen.content as { type: string; image_url?: { url: string } }[];
    const url = parts.find((p) => p.type === "image_url")!.image_url!.url;
    expect(url).toMatch(/^data:image\/png;base64,iVBOR/);
    // The whole image as it was displayed (the reference counts its base64 characters, with the
    // kernel's trailing newline), not a preview.
    expect(url.slice(url.indexOf(",") + 1).trim().length).toBe(ref!.bytes - 1);
  }, 90_000);
});
