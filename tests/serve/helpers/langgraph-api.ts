/** Starts tests/serve/helpers/langgraph-server.ts in its own process and gives an SDK client on it. */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Client } from "@langchain/langgraph-sdk";

const root = join(__dirname, "..", "..", "..");

export interface LangGraphApi {
  url: string;
  client: Client;
  readonly log: string;
  stop(): Promise<void>;
}

export async function startLangGraphApi(env: NodeJS.ProcessEnv, postgresUrl?: string): Promise<LangGraphApi> {
  const child: ChildProcess = spawn(process.execPath, ["--import", pathToFileURL(require.resolve("tsx")).href, join(__dirname, "langgraph-server.ts"), ...(postgresUrl ? [postgresUrl] : [])], {
    cwd: root,
    env: { ...process.env, NO_COLOR: "1", LANGSMITH_TRACING: "false", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stderr!.on("data", (d: Buffer) => (log += d.toString()));
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      log += d.toString();
      const m = /LISTENING (\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once("exit", (code) => reject(new Error(`the LangGraph API server exited (${code}) before listening:\n${log}`)));
    setTimeout(() => reject(new Error(`the LangGraph API server did not start in 60 s:\n${log}`)), 60_000).unref();
  });
  return {
    url,
    client: new Client({ apiUrl: url }),
    get log() {
      return log;
    },
    stop: async () => {
      if (child.exitCode === null) child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 20_000).unref())]);
      if (child.exitCode === null) child.kill("SIGKILL");
    },
  };
}
