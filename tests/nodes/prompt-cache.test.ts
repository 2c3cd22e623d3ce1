/**
 * Prompt caching as the providers define it, on the request bodies the real clients send to local
 * fake servers (a real Docker kernel runs the demo's recorded trajectory):
 * - OpenAI (ChatOpenAI): the planner's and the critic's requests are the coder's conversation, byte
 *   for byte, plus one last instruction, with no response_format (a schema is part of OpenAI's
 *   cached prefix, so a request with one would miss the coder's cache);
 * - Anthropic (ChatAnthropic): every request carries at most 4 `cache_control` breakpoints, none on
 *   a role's own last instruction, and each request reads what the request before it wrote
 *   (a written prefix ending at, or up to 20 blocks before, one of its breakpoints).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { TrajectorySchema } from "../../cli/run";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { breakpointPositions, withCacheBreakpoints } from "../../nodes/models/cache-points";
import { createRoleModels } from "../../nodes/models/models";
import { type AnthropicRequest, asOpenAIShape, startFakeAnthropic } from "../helpers/fake-anthropic";
import { startFakeOpenAI } from "../helpers/fake-openai";
import { roleOf, roleReplies } from "../helpers/role-script";

const trajectory = TrajectorySchema.parse(JSON.parse(readFileSync(join(__dirname, "../../scripts/demo-trajectory.json"), "utf8")));
const script = () => roleReplies({ planner: trajectory.planner, coder: trajectory.coder, critic: trajectory.critic }).reply;

let executor: DockerJupyterExecutor;
beforeAll(async () => {
  executor = new DockerJupyterExecutor();
  await executor.start();
}, 60_000);
afterAll(async () => {
  await executor?.shutdown();
});

async function run(model: string, baseUrl: string) {
  await executor.restart();
  const graph = createCodeActGraph({ models: createRoleModels({ model, baseUrl, apiKey: "test-key", maxRetries: 0 }), executor });
  return runCodeAct(graph, trajectory.task!, { threadId: `cache-${Math.random()}` });
}

/** Each message as the exact JSON the client sent. */
const bytes = (messages: unknown[]) => messages.map((m) => JSON.stringify(m));
const startsWith = (longer: string[], shorter: string[]) => shorter.length <= longer.length && shorter.every((m, i) => longer[i] === m);

describe("prompt caching", () => {
  it("OpenAI: planner and critic requests are the coder's conversation byte for byte up to their last instruction, with no response_format", async () => {
    const server = await startFakeOpenAI([script()], { repeatLast: true });
    try {
      const state = await run("test-model", server.baseUrl);
      expect(state.status).toBe("done");
      const requests = server.requests.map((r) => ({ role: roleOf(r), r, messages: bytes(r.messages) }));
      expect(requests.map((q) => q.role)).toEqual(["planner", "coder", "critic", "coder", "coder", "critic", "coder", "critic", "coder", "critic"]);
      for (const q of requests) expect(q.r).not.toHaveProperty("response_format");
      // One system prompt for every role: the prefix every request starts with.
      expect(new Set(requests.map((q) => q.messages[0])).size).toBe(1);
      requests.forEach((q, i) => {
        if (q.role === "coder") return;
        const shared = q.messages.slice(0, -1);
        const tail = q.r.messages.at(-1)!;
        expect(tail.role).toBe("user");
        expect(String(tail.content)).toMatch(/^Stop here as the (planner|reviewer)/);
        expect(String(tail.content).length).toBeLessThan(400); // the standing instructions are in the system prompt
        const before = requests.slice(0, i).filter((p) => p.role === "coder").at(-1);
        const after = requests.slice(i + 1).find((p) => p.role === "coder");
        if (before) expect(startsWith(shared, before.messages)).toBe(true);
        if (after) expect(startsWith(after.messages, shared)).toBe(true);
        expect(before ?? after).toBeDefined();
      });
    } finally {
      await server.close();
    }
  }, 120_000);

  it("Anthropic: at most four breakpoints, where the conversation grows, and each request reads the previous one's cache", async () => {
    const reply = script();
    const server = await startFakeAnthropic([(r) => String(reply(asOpenAIShape(r)))], { repeatLast: true });
    try {
      const state = await run("anthropic:claude-test", server.baseUrl);
      expect(state.status).toBe("done");
      expect(server.requests.length).toBe(10);
      type Block = { text: string; marked: boolean };
      const blocksOf = (r: AnthropicRequest): Block[] => {
        const list = (role: string, c: AnthropicRequest["system"] | AnthropicRequest["messages"][number]["content"]) =>
          // A string is one text block to the API (and to its cache).
          (typeof c === "string" ? [{ type: "text", text: c }] : (c ?? [])).map((b) => ({ text: `${role}:${JSON.stringify({ ...b, cache_control: undefined })}`, marked: Boolean((b as { cache_control?: unknown }).cache_control) }));
        return [...list("system", r.system), ...r.messages.flatMap((m) => list(m.role, m.content))];
      };
      const keys = (blocks: Block[]) => blocks.map((_, i) => JSON.stringify(blocks.slice(0, i + 1).map((b) => b.text)));
      const written = new Set<string>();
      server.requests.forEach((r, i) => {
        const blocks = blocksOf(r);
        const points = blocks.flatMap((b, at) => (b.marked ? [at] : []));
        expect(points.length).toBeGreaterThanOrEqual(2);
        expect(points.length).toBeLessThanOrEqual(4);
        expect(points[0]).toBe(0); // the system prompt
        const role = roleOf(asOpenAIShape(r));
        // The conversation's end carries one; a role's own instruction (the tail) never does.
        expect(points.at(-1)).toBe(role === "coder" ? blocks.length - 1 : blocks.length - 2);
        const prefix = keys(blocks);
        if (i > 0) {
          const hit = points.some((p) => prefix.slice(Math.max(0, p - 20), p + 1).some((k) => written.has(k)));
          expect({ request: i, hit }).toEqual({ request: i, hit: true });
          // More than the system prompt is read: the previous request's conversation.
          const longest = Math.max(...points.flatMap((p) => prefix.slice(Math.max(0, p - 20), p + 1).flatMap((k, at) => (written.has(k) ? [Math.max(0, p - 20) + at] : []))));
          expect(longest).toBeGreaterThan(0);
        }
        for (const p of points) written.add(prefix[p]!);
      });
    } finally {
      await server.close();
    }
  }, 120_000);

  it("breakpoints are only for Anthropic; they never exceed four and never fall in a request's own tail", () => {
    const messages = [new SystemMessage("s"), new HumanMessage("task"), new HumanMessage("plan"), new HumanMessage("tail")];
    expect(breakpointPositions(messages, 3)).toEqual([0, 2]);
    const openai = createRoleModels({ model: "m", baseUrl: "http://127.0.0.1:9/v1" }).coder;
    expect(withCacheBreakpoints(openai, messages, 3)).toBe(messages);
  });
});
