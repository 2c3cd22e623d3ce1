/**
 * The LangGraph API on a Postgres store: the SDK and `codeact --postgres` see the same threads and
 * the same status (the run record and lock live in the same database).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { codeact, trajectory } from "../cli/helpers";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { type LangGraphApi, startLangGraphApi } from "./helpers/langgraph-api";

type Event = { event: string; data: unknown };
const plan = JSON.stringify({ steps: [{ description: "do it", doneCriterion: "done" }] });

describe("the LangGraph API on a Postgres store", () => {
  let db: TestDatabase;
  let home: string;
  let api: LangGraphApi;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    db = createTestDatabase();
    home = mkdtempSync(join(tmpdir(), "codeact-lgapi-pg-"));
    env = { CODEACT_HOME: home, CODEACT_SERVER_POLICY: JSON.stringify({ scripted: true }) };
    api = await startLangGraphApi(env, db.url);
  }, 90_000);

  afterAll(async () => {
    await api?.stop();
    db?.drop();
    rmSync(home, { recursive: true, force: true });
  });

  const cliThreads = async () => {
    const r = await codeact(["threads", "--postgres", db.url, "--json"], env);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as { threadId: string; status: string; cells: number }[];
  };
  const run = async (threadId: string, opts: Record<string, unknown>) => {
    const events: Event[] = [];
    for await (const e of api.client.runs.stream(threadId, "codeact", opts)) events.push(e as Event);
    return events.filter((e) => e.event === "error");
  };

  it("an SDK thread waits for approval and finishes; a CLI thread is read through the SDK", async () => {
    const script = { planner: [plan], coder: ["<execute>\nprint(2 + 2)\n</execute>", "<solution>4</solution>"], critic: ['{"verdict": "done", "answer": "4"}'] };
    const config = { configurable: { provider: "scripted", script, executor: "docker", approve: true } };
    const thread = await api.client.threads.create();
    expect(await run(thread.thread_id, { config, input: { task: "add" } })).toEqual([]);
    expect((await cliThreads()).find((t) => t.threadId === thread.thread_id)?.status).toBe("waiting");
    expect(await api.client.threads.get(thread.thread_id)).toMatchObject({ status: "interrupted" });
    expect(await run(thread.thread_id, { config, command: { resume: { action: "approve" } } })).toEqual([]);
    expect((await api.client.threads.getState(thread.thread_id)).values).toMatchObject({ status: "done", answer: "4" });
    expect((await cliThreads()).find((t) => t.threadId === thread.thread_id)).toMatchObject({ status: "done", cells: 1 });

    writeFileSync(join(home, "cli.json"), trajectory(["print('from the cli')"], "ok"));
    const cli = await codeact(["run", "say", "--scripted", join(home, "cli.json"), "--executor", "docker", "--thread", "pg-cli", "--postgres", db.url], env);
    expect(cli.code).toBe(0);
    const state = await api.client.threads.getState("pg-cli");
    expect(state.values).toMatchObject({ status: "done", answer: "ok" });
    expect((await api.client.threads.getHistory("pg-cli")).length).toBeGreaterThan(3);
  }, 180_000);
});
