/**
 * `langGraphRoutes` on a real HTTP server, as `codeact serve` mounts it (under /langgraph), on an
 * OS-assigned port, over the store the environment names (CODEACT_HOME's SQLite file, or the
 * Postgres URL given as the first argument). Run as its own process (tsx): the embedded server is
 * ESM only, which Node loads and the test runner does not. Prints `LISTENING <url>` once up;
 * SIGTERM closes the kernels and the store.
 */
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { createCheckpointer } from "../../../checkpoints/savers";
import { closeServerRuntimes, langGraphRoutes } from "../../../serve/langgraph";

async function main() {
  const postgres = process.argv[2];
  const store = await createCheckpointer(postgres ? { kind: "postgres", connectionString: postgres } : undefined);
  const app = new Hono();
  app.route("/langgraph", langGraphRoutes({ store }));
  const server = serve({ fetch: app.fetch, port: 0, hostname: "127.0.0.1" }, (info) => {
    process.stdout.write(`LISTENING http://127.0.0.1:${info.port}/langgraph\n`);
  });
  process.once("SIGTERM", () => {
    server.close();
    void closeServerRuntimes()
      .then(() => store.close())
      .finally(() => process.exit(0));
  });
}

void main().catch((err) => {
  process.stderr.write(`${(err as Error).stack}\n`);
  process.exit(1);
});
