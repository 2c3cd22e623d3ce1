/**
 * The LangGraph server API on codeact's own store: `langGraphRoutes({ store, policy })` is a Hono
 * app that `codeact serve` mounts (under /langgraph, behind its token, Host and Origin checks), so
 * `@langchain/langgraph-sdk` clients create, run, stream, resume and read the same threads the CLI
 * lists. The routes are `@langchain/langgraph-api`'s embeddable server (pinned: it does not follow
 * semver) over codeact's ThreadSaver (threads.ts) and graph (graph.ts); this router in front of it
 * maps thread ids (ids.ts), refuses what the embedded routes would serve wrongly here, and makes
 * every error one line (errors.ts).
 */
import { Hono } from "hono";
import type { Checkpointer } from "../../checkpoints/savers";
import { runFactsOf } from "../../checkpoints/run-facts";
import { ThreadIdSchema } from "../../checkpoints/thread-id";
import { type ServerPolicy, serverPolicyFromEnv } from "../../graphs/server-policy";
import { threadIds } from "../../graphs/threads";
import { CodeActError } from "../../errors";
import { apiError, oneLineResponse } from "./errors";
import { ApiGraph } from "./graph";
import { apiIdFromPath, isUuid, ThreadIds } from "./ids";
import { GRAPH_ID, StoreThreads } from "./threads";

export { closeServerRuntimes } from "../../graphs/server";

export interface LangGraphRoutesOptions {
  /** codeact's store (createCheckpointer): its saver, artifact store and thread records, and its locks. */
  store: Checkpointer;
  /** What callers may choose in `configurable` (graphs/server-policy.ts); default: the environment's. */
  policy?: ServerPolicy;
}

type Fetcher = { fetch(request: Request): Response | Promise<Response> };

/** Routes of the embedded server that take a JSON body naming the assistant. */
const RUN_ROUTE = /^\/threads\/[^/]+\/runs(\/stream|\/wait)?$/;

const ASSISTANT = { assistant_id: GRAPH_ID, graph_id: GRAPH_ID, name: GRAPH_ID, description: "CodeAct: an agent that acts by running Python in a sandboxed kernel", config: {}, context: {}, metadata: {}, version: 1, created_at: "1970-01-01T00:00:00.000Z", updated_at: "1970-01-01T00:00:00.000Z" };

function fail(status: number, error: string, message: string): Response {
  return new Response(JSON.stringify({ error, message }), { status, headers: { "content-type": "application/json" } });
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new CodeActError("usage", "The id in the path is not valid URL encoding.");
  }
}

const json = (body: unknown) => new Response(JSON.stringify(body), { headers: { "content-type": "application/json" } });

export function langGraphRoutes(opts: LangGraphRoutesOptions): Hono {
  const { store } = opts;
  const ids = new ThreadIds(() => threadIds(store.saver));
  const threads = new StoreThreads(store, ids);
  const graph = new ApiGraph({ store, policy: opts.policy ?? serverPolicyFromEnv(), ids });
  let embed: Fetcher | undefined;

  // Loaded on first use: the package is ESM only (Node's require(esm) loads it; a test runner that
  // cannot gets one clear line instead of a failure at import).
  const embedded = (): Fetcher => {
    if (embed) return embed;
    const { createEmbedServer } = require("@langchain/langgraph-api/experimental/embed") as { createEmbedServer: (o: unknown) => Fetcher & { onError(h: (err: unknown, c: unknown) => Response): void } };
    const app = createEmbedServer({ graph: { [GRAPH_ID]: graph }, threads, checkpointer: store.saver });
    app.onError((err) => {
      const { status, body } = apiError(err);
      return fail(status, body.error, body.message);
    });
    return (embed = app);
  };

  const app = new Hono();
  app.all("*", async (c) => {
    const url = new URL(c.req.url);
    const base = c.req.routePath.replace(/\/?\*$/, "");
    let rest = url.pathname.slice(base.length) || "/";
    const method = c.req.method;
    try {
      if (rest === "/info" && method === "GET") return json({ version: "codeact", flags: { assistants: false, crons: false, langsmith: false } });
      if (rest === "/ok" && method === "GET") return json({ ok: true });
      if (rest === "/assistants/search" && method === "POST") return json([ASSISTANT]);
      const assistant = /^\/assistants\/([^/]+)$/.exec(rest);
      if (assistant && method === "GET") {
        const which = safeDecode(assistant[1]!);
        return which === GRAPH_ID ? json(ASSISTANT) : fail(404, "not_found", `No assistant ${JSON.stringify(which.slice(0, 80))} here: this server runs one graph, "${GRAPH_ID}".`);
      }
      if (rest === "/runs" || rest === "/runs/stream" || rest === "/runs/wait") {
        return fail(422, "usage", "Runs without a thread are not served here: every run is a thread the CLI lists. Create one (client.threads.create()) and run on it.");
      }
      if (rest === "/threads/count" && method === "POST") {
        const filter = ((await c.req.json().catch(() => ({}))) as { metadata?: Record<string, unknown> }).metadata;
        let total = 0;
        for await (const hit of threads.search({ metadata: filter, limit: 1, offset: 0, sortBy: "updated_at", sortOrder: "desc" })) total = hit.total;
        return json(total);
      }
      const m = /^\/threads\/([^/]+)(\/.*)?$/.exec(rest);
      let codeactId: string | undefined;
      if (m && m[1] !== "search") {
        const apiId = apiIdFromPath(safeDecode(m[1]!), ids);
        codeactId = await ids.codeactIdOf(apiId);
        rest = `/threads/${apiId}${m[2] ?? ""}`;
      }
      let body: string | undefined = method === "GET" || method === "HEAD" ? undefined : await c.req.text();
      if (body !== undefined && (rest === "/threads" || RUN_ROUTE.test(rest))) {
        let parsed: Record<string, unknown>;
        try {
          parsed = body.trim() ? (JSON.parse(body) as Record<string, unknown>) : {};
        } catch {
          throw new CodeActError("usage", "The request body is not valid JSON.");
        }
        if (rest === "/threads" && typeof parsed.thread_id === "string" && !isUuid(parsed.thread_id)) {
          // A codeact-style id (`my-analysis`) is welcome: the thread is kept under it.
          const id = ThreadIdSchema.safeParse(parsed.thread_id);
          if (!id.success) apiIdFromPath(parsed.thread_id, ids); // throws the one-line refusal
          body = JSON.stringify({ ...parsed, thread_id: ids.remember(parsed.thread_id) });
        }
        if (RUN_ROUTE.test(rest)) {
          if (parsed.assistant_id !== undefined && parsed.assistant_id !== GRAPH_ID) {
            return fail(404, "not_found", `No assistant ${JSON.stringify(String(parsed.assistant_id).slice(0, 80))} here: this server runs one graph, "${GRAPH_ID}".`);
          }
          if (rest.endsWith("/runs/wait")) return fail(501, "not_implemented", "runs.wait is not served here; stream the run (client.runs.stream) or create it and join its stream.");
          if (codeactId) {
            if (graph.running.has(codeactId)) return fail(409, "conflict", `Thread ${codeactId} already has a run on this server; wait for it to end first.`);
            const holder = (await runFactsOf(store, [codeactId])).holders.get(codeactId);
            if (holder) return fail(409, "conflict", `Thread ${codeactId} is being run by ${holder}; wait for that run to end (or stop it) before running it here.`);
          }
          body = JSON.stringify({ ...parsed, assistant_id: GRAPH_ID });
        }
      }
      let fetcher: Fetcher;
      try {
        fetcher = embedded();
      } catch (err) {
        return fail(501, "not_implemented", `The LangGraph API cannot load @langchain/langgraph-api here (${(err as Error).message.split("\n")[0]}).`);
      }
      const headers = new Headers(c.req.raw.headers);
      headers.delete("content-length");
      const forwarded = new Request(new URL(rest + url.search, url.origin), { method, headers, body, signal: c.req.raw.signal });
      return await oneLineResponse(await fetcher.fetch(forwarded));
    } catch (err) {
      const { status, body } = apiError(err);
      return fail(status, body.error, body.message);
    }
  });
  return app;
}
