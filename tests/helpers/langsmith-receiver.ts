/**
 * A local stand-in for the LangSmith API, speaking what the `langsmith` client sends: GET /info,
 * POST /runs/multipart (form parts post.<id>, patch.<id>, post.<id>.inputs, …), POST /runs/batch,
 * POST /runs, PATCH /runs/<id>. It merges every operation into a run table for assertions.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import { gunzipSync } from "node:zlib";

export interface ReceivedRun {
  id: string;
  name?: string;
  run_type?: string;
  parent_run_id?: string;
  trace_id?: string;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  error?: string;
  extra?: { metadata?: Record<string, unknown> };
  end_time?: string;
  [key: string]: unknown;
}

export interface LangSmithReceiver {
  url: string;
  runs: Map<string, ReceivedRun>;
  requests: string[];
  close(): Promise<void>;
}

function body(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export async function startLangSmithReceiver(): Promise<LangSmithReceiver> {
  const runs = new Map<string, ReceivedRun>();
  const requests: string[] = [];
  const merge = (run: Partial<ReceivedRun> & { id: string }) => runs.set(run.id, { ...runs.get(run.id), ...run } as ReceivedRun);
  const server: Server = createServer(async (req, res) => {
    const path = (req.url ?? "").split("?")[0]!;
    requests.push(`${req.method} ${path}`);
    let raw = await body(req);
    if (req.headers["content-encoding"] === "gzip") raw = gunzipSync(raw);
    const ok = (payload: unknown = {}) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(payload));
    if (req.method === "GET" && path.endsWith("/info")) return ok({ version: "0.0.0-test", batch_ingest_config: { use_multipart_endpoint: true }, instance_flags: {} });
    if (req.method === "POST" && path.endsWith("/runs/multipart")) {
      const form = await new Response(raw, { headers: { "content-type": String(req.headers["content-type"]) } }).formData();
      for (const [name, value] of form.entries()) {
        const [op, id, field] = name.split(".");
        const text = typeof value === "string" ? value : await value.text();
        const data = JSON.parse(text) as Record<string, unknown>;
        if (!id) continue;
        if (field) merge({ id, [field]: data });
        else if (op === "post" || op === "patch") merge({ ...(data as object), id });
      }
      return ok();
    }
    const json = raw.length ? (JSON.parse(raw.toString("utf8")) as Record<string, unknown>) : {};
    if (req.method === "POST" && path.endsWith("/runs/batch")) {
      for (const r of [...((json.post as ReceivedRun[]) ?? []), ...((json.patch as ReceivedRun[]) ?? [])]) merge(r);
      return ok();
    }
    if (req.method === "POST" && path.endsWith("/runs")) return (merge(json as ReceivedRun), ok());
    const patch = /\/runs\/([^/]+)$/.exec(path);
    if (req.method === "PATCH" && patch) return (merge({ ...(json as object), id: patch[1]! }), ok());
    ok();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    runs,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
