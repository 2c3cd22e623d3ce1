/**
 * The LangGraph API on codeact's own store (serve/langgraph), driven by `@langchain/langgraph-sdk`
 * over HTTP: a real server process on an OS-assigned port, a real SQLite store in a temp
 * CODEACT_HOME, Docker kernels, scripted models, and the `codeact` CLI on the same store.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Client } from "@langchain/langgraph-sdk";
import { createCheckpointer } from "../../checkpoints/savers";
import { codeact, startCodeact, trajectory } from "../cli/helpers";
import { type LangGraphApi, startLangGraphApi } from "./helpers/langgraph-api";

const plan = JSON.stringify({ steps: [{ description: "do it", doneCriterion: "done" }] });
const done = (answer: string) => JSON.stringify({ verdict: "done", answer });
type Event = { event: string; data: unknown };
type Values = {
  task: string;
  status: string;
  answer: string | null;
  turn: number;
  cells: { code: string; files?: { path: string; sha256: string }[]; result: { stdout: string; results: { data: Record<string, string>; artifacts?: Record<string, { sha256: string }> }[] } }[];
  messages: { role: string; kind: string; content: string; type?: string; id?: string }[];
};

async function collect(stream: AsyncIterable<Event>): Promise<Event[]> {
  const events: Event[] = [];
  for await (const e of stream) events.push(e);
  return events;
}
const errorsOf = (events: Event[]) => events.filter((e) => e.event === "error").map((e) => e.data as { error: string; message: string });

describe("the LangGraph API on codeact's thread store (SQLite)", () => {
  let home: string;
  let api: LangGraphApi;
  let client: Client;
  let env: NodeJS.ProcessEnv;

  const cliThreads = async () => {
    const r = await codeact(["threads", "--json"], env);
    expect(r.stderr).toBe("");
    return JSON.parse(r.stdout) as { threadId: string; status: string; turns: number; cells: number; detail: string }[];
  };

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-lgapi-"));
    env = { CODEACT_HOME: home, CODEACT_SERVER_POLICY: JSON.stringify({ scripted: true, executors: ["docker"] }) };
    api = await startLangGraphApi(env);
    client = api.client;
  }, 90_000);

  afterAll(async () => {
    await api?.stop();
    rmSync(home, { recursive: true, force: true });
  });

  it("create, stream (values, updates, messages), wait for approval, refuse a wrong resume in one line, resume with an edit; state, history and `codeact threads` agree", async () => {
    const proposed = 'print("not this")';
    const edited = [
      "import base64, os",
      "from IPython.display import display",
      'os.makedirs("/workspace/outputs", exist_ok=True)',
      'open("/workspace/outputs/report.csv", "w").write("a,b\\n1,2\\n")',
      'display({"image/png": base64.b64encode(os.urandom(120_000)).decode()}, raw=True)',
      'print("edited")',
    ].join("\n");
    const script = { planner: [plan], coder: [`<execute>\n${proposed}\n</execute>`, "<solution>edited</solution>"], critic: [done("edited")] };
    const config = { configurable: { provider: "scripted", script, executor: "docker", approve: true } };
    const thread = await client.threads.create();
    expect(thread.thread_id).toMatch(/^[0-9a-f-]{36}$/);

    const first = await collect(client.runs.stream(thread.thread_id, "codeact", { config, input: { task: "write a report" }, streamMode: ["values", "updates", "messages-tuple", "custom"] }) as AsyncIterable<Event>);
    expect(errorsOf(first)).toEqual([]);
    const kinds = new Set(first.map((e) => e.event));
    for (const k of ["metadata", "values", "updates", "custom"]) expect(kinds).toContain(k);
    // The coder's reply as the model wrote it: LangGraph's messages mode over the scripted chat model.
    const tuples = first.filter((e) => e.event === "messages").map((e) => (e.data as [{ content: unknown }, unknown])[0].content);
    expect(tuples.some((c) => typeof c === "string" && c.includes(proposed))).toBe(true);
    const updates = first.filter((e) => e.event === "updates").map((e) => e.data as Record<string, unknown>);
    expect(updates.some((u) => "planner" in u)).toBe(true);

    let state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual(["executor"]);
    const waiting = state.tasks[0]!.interrupts[0]!.value as Record<string, unknown>;
    expect(waiting).toMatchObject({ kind: "approve_code", code: proposed, action_request: { action: "run_code", args: { code: proposed } }, config: { allow_accept: true, allow_edit: true } });
    expect(await client.threads.get(thread.thread_id)).toMatchObject({ status: "interrupted", metadata: { codeact_status: "waiting", codeact_thread_id: thread.thread_id } });
    expect((await cliThreads()).find((t) => t.threadId === thread.thread_id)).toMatchObject({ status: "waiting" });

    // A decision that is none of the three: one line naming the forms, and the action still waits.
    const wrong = errorsOf(await collect(client.runs.stream(thread.thread_id, "codeact", { config, command: { resume: { action: "maybe" } } }) as AsyncIterable<Event>));
    expect(wrong).toHaveLength(1);
    expect(wrong[0]!.message).toMatch(/waits for an approval: resume must be \{"action": "approve"\}/);
    expect(wrong[0]!.message).not.toMatch(/\n|invalid_union|"path"|issues/);
    expect((await client.threads.getState(thread.thread_id)).next).toEqual(["executor"]);

    const second = await collect(client.runs.stream(thread.thread_id, "codeact", { config, command: { resume: { action: "edit", code: edited } }, streamMode: ["updates"] }) as AsyncIterable<Event>);
    expect(errorsOf(second)).toEqual([]);
    state = await client.threads.getState(thread.thread_id);
    const values = state.values as Values;
    expect(state.next).toEqual([]);
    expect(values).toMatchObject({ status: "done", answer: "edited" });
    expect(values.cells).toHaveLength(1);
    const cell = values.cells[0]!;
    expect(cell.code).toBe(edited);
    expect(cell.result.stdout).toBe("edited\n");
    // The artifact store is in use: the output file is collected, the large image is a reference.
    expect(cell.files?.map((f) => f.path)).toEqual(["outputs/report.csv"]);
    const image = cell.result.results.find((r) => r.artifacts?.["image/png"]);
    expect(image).toBeDefined();
    expect(image!.data["image/png"]).toBeUndefined();
    {
      await using store = await createCheckpointer({ path: join(home, "checkpoints.sqlite"), readOnly: true });
      expect((await store.artifacts.get(thread.thread_id, cell.files![0]!.sha256))?.toString()).toBe("a,b\n1,2\n");
      expect((await store.artifacts.get(thread.thread_id, image!.artifacts!["image/png"]!.sha256))?.length).toBe(120_000);
    }

    const history = await client.threads.getHistory(thread.thread_id, { limit: 100 });
    expect(history.length).toBeGreaterThanOrEqual(5);
    expect(history.every((h) => h.checkpoint.thread_id === thread.thread_id)).toBe(true);
    expect(history.some((h) => h.next.includes("executor"))).toBe(true);
    expect((history[0]!.values as Values).status).toBe("done");
    // The same checkpoint by id.
    const older = history.find((h) => h.next.includes("executor"))!;
    const at = await client.threads.getState(thread.thread_id, older.checkpoint.checkpoint_id!);
    expect(at.next).toEqual(["executor"]);

    expect(await client.threads.get(thread.thread_id)).toMatchObject({ status: "idle", metadata: { codeact_status: "done", cells: 1, turns: 1 } });
    expect((await cliThreads()).find((t) => t.threadId === thread.thread_id)).toMatchObject({ status: "done", cells: 1, turns: 1 });
    // Its settings are recorded once (the same settings on the resume), as a CLI run records them.
    const settings = JSON.parse((await codeact(["settings", thread.thread_id, "--json"], env)).stdout) as { reason: string; settings: { executor: { kind: string }; limits: { approve: boolean } } }[];
    expect(settings).toHaveLength(1);
    expect(settings[0]).toMatchObject({ reason: "LangGraph API run (scripted model)", settings: { executor: { kind: "docker" }, limits: { approve: true } } });
  }, 180_000);

  it("agent-chat-ui's shapes: messages in, LangChain-style message dicts and HumanInterrupt fields out, a HumanResponse answers ask_user()", async () => {
    const script = { planner: [plan], coder: ['<execute>\nn = ask_user("How many?")\nprint(int(n) * 2)\n</execute>', "<solution>10</solution>"], critic: [done("10")] };
    const config = { configurable: { provider: "scripted", script, executor: "docker" } };
    const thread = await client.threads.create({ metadata: { owner: "ui-test" } });
    const first = await collect(client.runs.stream(thread.thread_id, "codeact", { config, input: { messages: [{ type: "human", content: "double a number" }] }, streamMode: ["values"] }) as AsyncIterable<Event>);
    expect(errorsOf(first)).toEqual([]);
    const paused = first.filter((e) => e.event === "values").at(-1)!.data as { __interrupt__?: { value: Record<string, unknown> }[] };
    expect(paused.__interrupt__?.[0]?.value).toMatchObject({ kind: "ask_user", question: "How many?", action_request: { action: "ask_user", args: { question: "How many?" } }, config: { allow_respond: true, allow_accept: false }, description: "How many?" });

    const state = await client.threads.getState(thread.thread_id);
    const values = state.values as Values;
    expect(values.task).toBe("double a number");
    expect(values.messages.length).toBeGreaterThan(0);
    values.messages.forEach((m, i) => expect(m).toMatchObject({ id: `codeact-msg-${i}`, type: m.role === "assistant" ? "ai" : "human" }));
    expect(await client.threads.get(thread.thread_id)).toMatchObject({ status: "interrupted", metadata: { owner: "ui-test", waiting: "ask_user" } });
    expect((await client.threads.search({ metadata: { owner: "ui-test" } })).map((t) => t.thread_id)).toEqual([thread.thread_id]);

    const answer = await collect(client.runs.stream(thread.thread_id, "codeact", { config, command: { resume: [{ type: "response", args: "5" }] } }) as AsyncIterable<Event>);
    expect(errorsOf(answer)).toEqual([]);
    const end = (await client.threads.getState(thread.thread_id)).values as Values;
    expect(end).toMatchObject({ status: "done", answer: "10" });
    expect(end.cells[0]!.result.stdout).toBe("10\n");
  }, 180_000);

  it("a thread the CLI made is read and followed up through the SDK, under a stable UUID or its own id", async () => {
    writeFileSync(join(home, "cli.json"), trajectory(["print(6 * 7)"], "42"));
    const run = await codeact(["run", "compute", "--scripted", join(home, "cli.json"), "--executor", "docker", "--thread", "t-cli.1"], env);
    expect(run.code).toBe(0);

    const listed = (await client.threads.search({ limit: 100 })).find((t) => t.metadata?.codeact_thread_id === "t-cli.1");
    expect(listed).toBeDefined();
    expect(listed!.thread_id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(listed).toMatchObject({ status: "idle", metadata: { codeact_status: "done", task: "compute" } });
    const byUuid = await client.threads.getState(listed!.thread_id);
    const byName = await client.threads.getState("t-cli.1");
    expect((byUuid.values as Values).answer).toBe("42");
    expect(byName.checkpoint).toEqual(byUuid.checkpoint);
    expect(byUuid.checkpoint.thread_id).toBe(listed!.thread_id);
    const cliHistory = JSON.parse((await codeact(["history", "t-cli.1", "--json"], env)).stdout) as { checkpointId: string }[];
    const sdkHistory = await client.threads.getHistory("t-cli.1", { limit: 100 });
    for (const h of cliHistory) expect(sdkHistory.map((s) => s.checkpoint.checkpoint_id)).toContain(h.checkpointId);

    // A follow-up from the SDK is the thread's next turn; the CLI sees it.
    const script = { planner: [plan], coder: ["<execute>\nprint(6 * 7 + 1)\n</execute>", "<solution>43</solution>"], critic: [done("43")] };
    const more = await collect(client.runs.stream(listed!.thread_id, "codeact", { config: { configurable: { provider: "scripted", script, executor: "docker" } }, input: { task: "one more" } }) as AsyncIterable<Event>);
    expect(errorsOf(more)).toEqual([]);
    expect((await client.threads.getState("t-cli.1")).values).toMatchObject({ turn: 1, answer: "43" });
    expect((await cliThreads()).find((t) => t.threadId === "t-cli.1")).toMatchObject({ status: "done", turns: 2, cells: 2 });
  }, 180_000);

  it("a run on a thread a CLI process is running is refused in one line", async () => {
    writeFileSync(join(home, "slow.json"), trajectory(["import time\ntime.sleep(60)"], "slept"));
    const cli = startCodeact(["run", "sleep", "--scripted", join(home, "slow.json"), "--executor", "docker", "--thread", "t-busy"], env);
    try {
      let status = "";
      const until = Date.now() + 60_000;
      while (status !== "running" && Date.now() < until) {
        status = (await cliThreads()).find((t) => t.threadId === "t-busy")?.status ?? "";
        if (status !== "running") await new Promise((r) => setTimeout(r, 300));
      }
      expect(status).toBe("running");
      const script = { planner: [plan], coder: ["<solution>x</solution>"], critic: [done("x")] };
      let refused: { status?: number; message?: string } | undefined;
      try {
        await collect(client.runs.stream("t-busy", "codeact", { config: { configurable: { provider: "scripted", script } }, input: { task: "again" } }) as AsyncIterable<Event>);
      } catch (err) {
        refused = err as { status?: number; message?: string };
      }
      expect(refused?.status).toBe(409);
      const body = JSON.parse(refused!.message!.replace(/^HTTP 409: /, "")) as { error: string; message: string };
      expect(body.error).toBe("conflict");
      expect(body.message).toMatch(/^Thread t-busy is being run by pid \d+ on .+; wait for that run to end/);
      expect(body.message).not.toContain("\n");
      expect(await client.threads.get("t-busy")).toMatchObject({ status: "busy", metadata: { codeact_status: "running" } });
    } finally {
      cli.child.kill("SIGINT");
      await cli.exit;
    }
    expect((await cliThreads()).find((t) => t.threadId === "t-busy")?.status).toBe("paused");
  }, 180_000);

  it("the other calls served: runs.create + joinStream, the v2 protocol stream, updateState, update, count", async () => {
    const script = { planner: [plan], coder: ["<execute>\nprint(3)\n</execute>", "<solution>3</solution>"], critic: [done("3")] };
    const config = { configurable: { provider: "scripted", script, executor: "docker" } };
    const a = await client.threads.create();
    const run = await client.runs.create(a.thread_id, "codeact", { config, input: { task: "print three" } });
    const joined = await collect(client.runs.joinStream(a.thread_id, run.run_id) as AsyncIterable<Event>);
    expect(errorsOf(joined)).toEqual([]);
    expect((await client.threads.getState(a.thread_id)).values).toMatchObject({ status: "done", answer: "3" });

    // The thread-centric v2 protocol (threads.stream, run.start) over the same graph and store.
    const b = await client.threads.create();
    const stream = client.threads.stream(b.thread_id, { assistantId: "codeact" });
    await stream.run.start({ input: { task: "print three" }, config });
    expect(await stream.output).toMatchObject({ status: "done", answer: "3" });
    await stream.close();
    expect((await cliThreads()).find((t) => t.threadId === b.thread_id)).toMatchObject({ status: "done", cells: 1 });

    const edit = await client.threads.updateState(a.thread_id, { values: { statusDetail: "looked at" } });
    expect((edit as { checkpoint?: { thread_id?: string } }).checkpoint?.thread_id).toBe(a.thread_id);
    expect((await client.threads.getState(a.thread_id)).values).toMatchObject({ statusDetail: "looked at" });
    expect((await client.threads.update(a.thread_id, { metadata: { label: "three" } })).metadata).toMatchObject({ label: "three", codeact_status: "done" });
    expect(await client.threads.count({ metadata: { label: "three" } })).toBe(1);
  }, 120_000);

  it("hostile ids, bodies and resumes get one clear line", async () => {
    const raw = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api.url}${path}`, { method, headers: { "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
      const text = await res.text();
      expect(res.headers.get("content-type")).toContain("application/json");
      const parsed = JSON.parse(text) as { error: string; message: string };
      expect(Object.keys(parsed).sort()).toEqual(["error", "message"]);
      expect(parsed.message).not.toMatch(/\n/);
      return { status: res.status, ...parsed };
    };
    expect(await raw("GET", "/threads/..%2F..%2Fetc%2Fpasswd/state")).toMatchObject({ status: 422, error: "usage", message: expect.stringMatching(/^Invalid thread id "\.\.\/\.\.\/etc\/passwd"/) });
    expect(await raw("GET", "/threads/%3Cscript%3Ealert(1)%3C%2Fscript%3E/state")).toMatchObject({ status: 422, message: expect.stringContaining("Invalid thread id") });
    expect(await raw("GET", `/threads/${"a".repeat(300)}/history`)).toMatchObject({ status: 422 });
    expect(await raw("POST", "/threads", { thread_id: "../x" })).toMatchObject({ status: 422, message: expect.stringContaining("Invalid thread id") });
    expect(await raw("POST", "/threads", { metadata: 5 })).toMatchObject({ status: 422, error: "invalid_request", message: "metadata: Expected object, received number" });
    expect(await raw("GET", "/threads/0190c0de-0000-7000-8000-000000000000")).toMatchObject({ status: 404, error: "not_found" });
    expect(await raw("DELETE", "/threads/t-cli.1")).toMatchObject({ status: 422, message: expect.stringContaining("codeact rm") });
    expect(await raw("POST", "/runs/stream", { assistant_id: "codeact", input: { task: "x" } })).toMatchObject({ status: 422, message: expect.stringContaining("Create one") });
    expect(await raw("POST", "/threads/t-cli.1/runs/stream", { assistant_id: "other" })).toMatchObject({ status: 404, message: expect.stringContaining('one graph, "codeact"') });
    expect(await raw("GET", "/crons/x")).toMatchObject({ status: 404, error: "not_implemented" });

    // A codeact-style id is kept as the thread's own name.
    const named = await client.threads.create({ threadId: "my-analysis" });
    expect(named.metadata).toMatchObject({ codeact_thread_id: "my-analysis" });
    expect(named.thread_id).not.toBe("my-analysis");

    // What the policy does not allow, a resume where nothing waits, a bad input: one line each, as the stream's error.
    const script = { planner: [plan], coder: ["<solution>x</solution>"], critic: [done("x")] };
    const refusal = async (opts: Record<string, unknown>) => errorsOf(await collect(client.runs.stream("t-cli.1", "codeact", opts) as AsyncIterable<Event>));
    expect(await refusal({ config: { configurable: { provider: "scripted", script, executor: "local" } }, input: { task: "x" } })).toEqual([{ error: "usage", message: expect.stringMatching(/^This server does not let callers set executor "local"/) }]);
    expect(await refusal({ config: { configurable: { provider: "scripted", script } }, command: { resume: "yes" } })).toEqual([{ error: "conflict", message: expect.stringContaining("is not waiting for an approval or an answer") }]);
    expect(await refusal({ config: { configurable: { provider: "scripted", script } }, input: { nothing: 1 } })).toEqual([{ error: "usage", message: expect.stringContaining("The input needs a task") }]);
    // None of these left a run record: the thread's status is what it was.
    expect((await cliThreads()).find((t) => t.threadId === "t-cli.1")?.status).toBe("done");
  }, 120_000);
});
