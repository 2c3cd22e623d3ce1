/**
 * LangGraph's own dev server (`langgraphjs dev`) serving this repository's langgraph.json on an
 * OS-assigned port, with its own CODEACT_HOME, for tests that drive the graph through the SDK.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "@langchain/langgraph-sdk";
import { freePort } from "./jupyter-server";

const root = join(__dirname, "..", "..");

export interface LangGraphDev {
  url: string;
  client: Client;
  home: string;
  /** Everything the server printed so far (for failure messages). */
  readonly log: string;
  stop(): Promise<void>;
}

/**
 * `env` is added to the server's environment. By default the operator's policy lets callers choose
 * the scripted model (and nothing else beyond the defaults).
 */
export async function startLangGraphDev(env: Record<string, string> = {}): Promise<LangGraphDev> {
  const home = mkdtempSync(join(tmpdir(), "codeact-lgdev-"));
  const port = await freePort();
  const server: ChildProcess = spawn(join(root, "node_modules", ".bin", "langgraphjs"), ["dev", "--port", String(port), "--no-browser", "--config", join(root, "langgraph.json")], {
    cwd: root,
    env: { ...process.env, CODEACT_HOME: home, NO_COLOR: "1", LANGSMITH_TRACING: "false", CODEACT_SERVER_POLICY: JSON.stringify({ scripted: true }), ...env },
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: stopping it stops the workers it starts.
    detached: true,
  });
  let log = "";
  server.stdout!.on("data", (d: Buffer) => (log += d.toString()));
  server.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => server.once("exit", () => r()));
  const stop = async () => {
    if (server.pid && server.exitCode === null) {
      process.kill(-server.pid, "SIGTERM");
      // Until it is gone, not a fixed second: it usually takes less, and may take more.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise((r) => (timer = setTimeout(r, 5000)))]);
      clearTimeout(timer);
    }
    rmSync(home, { recursive: true, force: true });
  };
  const url = `http://127.0.0.1:${port}`;
  const until = Date.now() + 120_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/ok`)).ok) break;
    } catch {
      /* starting */
    }
    if (Date.now() > until || server.exitCode !== null) {
      await stop();
      throw new Error(`langgraph dev did not start: ${log.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    client: new Client({ apiUrl: url }),
    home,
    get log() {
      return log;
    },
    stop,
  };
}
