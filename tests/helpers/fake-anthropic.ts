/**
 * A local Anthropic Messages endpoint (POST /v1/messages, JSON and SSE streaming) answering from a
 * script, so tests drive the real @langchain/anthropic client (and the Anthropic SDK under it) with
 * no model reachable. It records what the client sent: model, key header, system prompt, messages.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface AnthropicRequest {
  model: string;
  stream?: boolean;
  system?: string | { type: string; text: string }[];
  messages: { role: string; content: string | { type: string; text?: string }[] }[];
  tools?: unknown[];
  max_tokens?: number;
  /** The x-api-key header, as the server received it. */
  apiKey?: string;
  authorization?: string;
  anthropicVersion?: string;
}

export type AnthropicReply = string | ((req: AnthropicRequest) => string) | { status: number; message: string } | { misbehave: "hang" };

export interface FakeAnthropic {
  /** The base URL a client is given (the SDK appends /v1/messages). */
  baseUrl: string;
  requests: AnthropicRequest[];
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

function sendMessage(res: ServerResponse, model: string, text: string, stream: boolean, inputTokens: number): void {
  const id = `msg_fake_${Math.random().toString(36).slice(2, 10)}`;
  const outputTokens = Math.max(1, Math.ceil(text.length / 4));
  if (!stream) {
    res.writeHead(200, { "content-type": "application/json" }).end(
      JSON.stringify({
        id,
        type: "message",
        role: "assistant",
        model,
        content: [{ type: "text", text }],
        stop_reason: "end_turn",
        stop_sequence: null,
        usage: { input_tokens: inputTokens, output_tokens: outputTokens },
      }),
    );
    return;
  }
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const event = (type: string, data: object) => res.write(`event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`);
  event("message_start", { message: { id, type: "message", role: "assistant", model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: inputTokens, output_tokens: 1 } } });
  event("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  // Two deltas, so the client really assembles a streamed reply.
  const half = Math.ceil(text.length / 2);
  for (const part of [text.slice(0, half), text.slice(half)]) if (part) event("content_block_delta", { index: 0, delta: { type: "text_delta", text: part } });
  event("content_block_stop", { index: 0 });
  event("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: outputTokens } });
  event("message_stop", {});
  res.end();
}

export async function startFakeAnthropic(script: AnthropicReply[], options: { repeatLast?: boolean } = {}): Promise<FakeAnthropic> {
  const requests: AnthropicRequest[] = [];
  const hanging = new Set<ServerResponse>();
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url?.replace(/\?.*$/, "").endsWith("/v1/messages")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "not_found_error", message: `no route ${req.url}` } }));
      return;
    }
    const parsed = JSON.parse(await body(req)) as AnthropicRequest;
    const header = (name: string) => (req.headers[name] as string | undefined) ?? undefined;
    const request: AnthropicRequest = { ...parsed, apiKey: header("x-api-key"), authorization: header("authorization"), anthropicVersion: header("anthropic-version") };
    requests.push(request);
    let step = script[next];
    if (step === undefined && options.repeatLast) step = script[script.length - 1];
    else next++;
    if (step === undefined) {
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "api_error", message: "fake Anthropic script exhausted" } }));
      return;
    }
    if (typeof step === "object" && "misbehave" in step) {
      hanging.add(res);
      return;
    }
    if (typeof step === "object") {
      res.writeHead(step.status, { "content-type": "application/json" }).end(JSON.stringify({ type: "error", error: { type: "invalid_request_error", message: step.message } }));
      return;
    }
    const text = typeof step === "function" ? step(request) : step;
    const inputTokens = Math.ceil(JSON.stringify(parsed.messages).length / 4);
    sendMessage(res, parsed.model, text, Boolean(parsed.stream), inputTokens);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A request in the OpenAI request shape (system first, text only), for helpers that read that shape (roleOf). */
export function asOpenAIShape(r: AnthropicRequest): { model: string; messages: { role: string; content: string }[] } {
  const text = (c: AnthropicRequest["system"] | AnthropicRequest["messages"][number]["content"]) => (typeof c === "string" ? c : (c ?? []).map((b) => b.text ?? "").join(""));
  return { model: r.model, messages: [...(r.system !== undefined ? [{ role: "system", content: text(r.system) }] : []), ...r.messages.map((m) => ({ role: m.role, content: text(m.content) }))] };
}
