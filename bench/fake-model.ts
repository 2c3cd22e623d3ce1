/**
 * A local OpenAI-compatible endpoint for benches: every request is answered after a fixed delay
 * (a model thinking), by role (told apart by the prompt, as a real model would act on it).
 */
import { createServer, type IncomingMessage } from "node:http";

type Message = { role: string; content: string | { type: string; text?: string }[] };
const text = (c: Message["content"]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join(""));

export type Role = "planner" | "coder" | "critic";
export function roleOf(messages: Message[]): Role {
  const system = text(messages[0]?.content ?? "");
  const last = text(messages.at(-1)?.content ?? "");
  if (last.startsWith("Stop here as the reviewer") || system.startsWith("You review the progress")) return "critic";
  if (last.startsWith("Stop here as the planner") || system.startsWith("You plan work")) return "planner";
  return "coder";
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

export async function startFakeModel(delayMs: number, reply: (role: Role, messages: Message[]) => string): Promise<{ baseUrl: string; calls: number; close(): Promise<void> }> {
  const state = { calls: 0 };
  const server = createServer(async (req, res) => {
    const parsed = JSON.parse(await body(req)) as { model: string; messages: Message[]; stream?: boolean };
    state.calls++;
    await new Promise((r) => setTimeout(r, delayMs));
    const content = reply(roleOf(parsed.messages), parsed.messages);
    const usage = { prompt_tokens: 50, completion_tokens: Math.ceil(content.length / 4), total_tokens: 50 + Math.ceil(content.length / 4) };
    const base = { id: `c${state.calls}`, created: Math.floor(Date.now() / 1000), model: parsed.model };
    if (!parsed.stream) {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...base, object: "chat.completion", choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }], usage }));
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: { role: "assistant", content }, finish_reason: null }] })}\n\n`);
    res.write(`data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta: {}, finish_reason: "stop" }], usage })}\n\n`);
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get calls() {
      return state.calls;
    },
    close: () => new Promise((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}
