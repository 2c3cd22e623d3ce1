/**
 * A local OpenAI-compatible server (POST /v1/chat/completions, JSON and SSE streaming) answering
 * from a script, so tests exercise the real ChatOpenAI client path with no model reachable.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";

export interface FakeOpenAI {
  baseUrl: string;
  /** Bodies of every request received. */
  requests: {
    model: string;
    stream?: boolean;
    messages: { role: string; content: string | { type: string; text?: string; image_url?: { url: string } }[] }[];
    response_format?: { type: string; json_schema?: { name: string; schema: object } };
    authorization?: string;
  }[];
  close(): Promise<void>;
}

/**
 * A broken endpoint: "hang" accepts the request and never answers; "drop" sends half a body and
 * closes the connection (the client says "terminated"); "truncated" sends a cut-off JSON body.
 */
export type Misbehaviour = { misbehave: "hang" | "drop" | "truncated" };
/** An HTTP error answer (status and message), as a server that refuses the request sends. */
export type HttpError = { status: number; message: string };
export type Reply = string | ((req: FakeOpenAI["requests"][number]) => string | HttpError) | Misbehaviour | HttpError;

export interface FakeOptions {
  repeatLast?: boolean;
  /** Answer HTTP 400 to any request with `response_format` (a server without structured output), without using a script step. */
  rejectResponseFormat?: boolean;
}

function body(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (c: Buffer) => (data += c.toString()));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

export async function startFakeOpenAI(script: Reply[], options: FakeOptions = {}): Promise<FakeOpenAI> {
  const requests: FakeOpenAI["requests"] = [];
  let next = 0;
  const server: Server = createServer(async (req, res) => {
    if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
      res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: `no route ${req.url}` } }));
      return;
    }
    const parsed = JSON.parse(await body(req)) as FakeOpenAI["requests"][number] & { stream_options?: { include_usage?: boolean } };
    requests.push({ ...parsed, authorization: req.headers.authorization });
    if (options.rejectResponseFormat && parsed.response_format) {
      res.writeHead(400, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "response_format is not supported by this server", type: "invalid_request_error" } }));
      return;
    }
    let step: Reply | undefined = script[next];
    if (step === undefined && options.repeatLast) step = script[script.length - 1];
    else next++;
    if (step === undefined) {
      res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "fake-openai: script exhausted" } }));
      return;
    }
    if (typeof step === "function") step = step(parsed);
    if (typeof step === "object" && "status" in step) {
      res.writeHead(step.status, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: step.message } }));
      return;
    }
    if (typeof step === "object") {
      if (step.misbehave === "hang") return;
      const half = '{"id": "chatcmpl-x", "object": "chat.completion", "choices": [';
      if (step.misbehave === "truncated") {
        res.writeHead(200, { "content-type": "application/json" }).end(half);
        return;
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": String(half.length * 2) });
      res.write(half, () => setTimeout(() => res.socket?.destroy(), 20));
      return;
    }
    const text = step;
    const usage = { prompt_tokens: 50, completion_tokens: Math.ceil(text.length / 4), total_tokens: 50 + Math.ceil(text.length / 4) };
    const id = `chatcmpl-${requests.length}`;
    const created = Math.floor(Date.now() / 1000);
    if (!parsed.stream) {
      res.writeHead(200, { "content-type": "application/json" }).end(
        JSON.stringify({ id, object: "chat.completion", created, model: parsed.model, choices: [{ index: 0, message: { role: "assistant", content: text }, finish_reason: "stop" }], usage }),
      );
      return;
    }
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", connection: "keep-alive" });
    const chunk = (delta: object, finish: string | null, extra: object = {}) =>
      res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: parsed.model, choices: [{ index: 0, delta, finish_reason: finish }], ...extra })}\n\n`);
    chunk({ role: "assistant", content: "" }, null);
    for (const piece of text.match(/[\s\S]{1,12}/g) ?? []) chunk({ content: piece }, null);
    chunk({}, "stop");
    if (parsed.stream_options?.include_usage) res.write(`data: ${JSON.stringify({ id, object: "chat.completion.chunk", created, model: parsed.model, choices: [], usage })}\n\n`);
    res.end("data: [DONE]\n\n");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // hanging requests too
      }),
  };
}
