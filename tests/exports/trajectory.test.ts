/**
 * A trajectory export is the conversation the coder model was sent, exactly: a real run through the
 * real ChatOpenAI client against a local OpenAI-compatible server that records every request, in a
 * Docker kernel; the openai-chat and sharegpt records must equal the coder's last request (system
 * prompt included, thoughts in the replies) followed by its reply.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { codeact } from "../cli/helpers";
import { roleOf } from "../helpers/role-script";

// The planner and critic ask on the coder's own conversation (its cached prefix), each with its own last instruction.
const role = roleOf;

describe("trajectory export", () => {
  let home: string;
  let fake: FakeOpenAI;
  const coderReplies = ["The square of 7, printed, is what the task asks for.\n<execute>\nprint(7 * 7)\n</execute>", "It printed 49, so that is the answer.\n<solution>49</solution>"];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-trajectory-"));
    let coder = 0;
    fake = await startFakeOpenAI([
      (req) => {
        const who = role(req);
        if (who === "planner") return '{"steps": [{"description": "print 7 squared", "doneCriterion": "49 printed"}]}';
        if (who === "critic") return '{"verdict": "done", "feedback": "", "answer": "49"}';
        return coderReplies[coder++] ?? "<solution>49</solution>";
      },
    ], { repeatLast: true });
  });
  afterAll(async () => {
    await fake?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("openai-chat and sharegpt records are the coder's last request, system prompt first, then its reply", async () => {
    const env = { CODEACT_HOME: home };
    const model = ["--base-url", fake.baseUrl, "--api-key", "sk-test", "--model", "test-model", "--no-vision", "--executor", "docker"];
    const run = await codeact(["run", "What is 7 squared?", "--thread", "tr", ...model], env);
    expect({ code: run.code, stderr: run.code === 0 ? "" : run.stderr }).toEqual({ code: 0, stderr: "" });

    const coderRequests = fake.requests.filter((r) => role(r) === "coder");
    expect(coderRequests.length).toBe(2);
    const last = coderRequests.at(-1)!;
    const sent = last.messages.map((m) => ({ role: m.role, content: typeof m.content === "string" ? m.content : m.content.map((p) => p.text ?? "").join("") }));
    expect(sent[0]!.role).toBe("system");
    // The first reply, thought and all, is in what the model was sent the second time.
    expect(sent).toContainEqual({ role: "assistant", content: coderReplies[0] });

    const out = join(home, "tr.json");
    const exported = await codeact(["export", "tr", "--format", "openai-chat", "-o", out], env);
    expect(exported.code).toBe(0);
    const record = JSON.parse(readFileSync(out, "utf8")) as { messages: { role: string; content: string }[] };
    expect(record.messages).toEqual([...sent, { role: "assistant", content: coderReplies[1] }]);

    const share = join(home, "tr.sharegpt.json");
    expect((await codeact(["export", "tr", "--format", "sharegpt", "-o", share], env)).code).toBe(0);
    const conversations = (JSON.parse(readFileSync(share, "utf8")) as { conversations: { from: string; value: string }[] }).conversations;
    const from = { system: "system", user: "human", assistant: "gpt" } as Record<string, string>;
    expect(conversations).toEqual(record.messages.map((m) => ({ from: from[m.role], value: m.content })));
  }, 120_000);
});
