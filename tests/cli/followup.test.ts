/**
 * Follow-ups from the command line: `codeact run "<text>" --thread <ended thread>` is a new turn on
 * the same thread. Real Docker kernel (rebuilt from the cells in each new process), real SQLite and
 * Postgres, the real ChatOpenAI client against a local fake server.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";
import { type RoleScript, roleReplies, textOf } from "../helpers/role-script";
import { codeact, startCodeact, waitFor } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

jest.setTimeout(300_000);

const PLAN = (what: string) => `{"steps": [{"description": "${what}", "doneCriterion": "printed"}]}`;
const NEXT = '{"verdict": "next", "feedback": ""}';
const DONE = (answer: string) => JSON.stringify({ verdict: "done", feedback: "", answer });

const TURN1: RoleScript = {
  planner: [PLAN("set x to 41")],
  coder: ["<execute>\nx = 41\nprint('x is', x)\n</execute>\n<step_done/>", "<solution>x is 41</solution>"],
  critic: [NEXT, DONE("x is 41")],
};
const TURN2: RoleScript = {
  planner: [PLAN("print x + 1")],
  coder: ["<execute>\nprint(x + 1)\n</execute>\n<step_done/>", "<solution>42</solution>"],
  critic: [NEXT, DONE("42")],
};

async function fake(script: RoleScript): Promise<{ server: FakeOpenAI; roles: string[] }> {
  const { reply, roles } = roleReplies(script);
  return { server: await startFakeOpenAI([reply], { repeatLast: true }), roles };
}

type Store = { name: string; flags: () => string[]; open: () => Parameters<typeof createCheckpointer>[0] };

describe.each(["sqlite", "postgres"])("follow-ups with %s checkpoints", (kind) => {
  let home: string;
  let db: TestDatabase | undefined;
  let store: Store;
  const servers: FakeOpenAI[] = [];
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-followup-"));
    if (kind === "postgres") db = createTestDatabase();
    const file = join(home, "checkpoints.sqlite");
    store =
      kind === "postgres"
        ? { name: kind, flags: () => ["--postgres", db!.url], open: () => ({ kind: "postgres", connectionString: db!.url }) }
        : { name: kind, flags: () => ["--checkpoints", file], open: () => ({ kind: "sqlite", path: file }) };
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    db?.drop();
    db = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  const env = (server: FakeOpenAI) => ({ CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl, OPENAI_API_KEY: "", CODEACT_MODEL: "fake-model" });

  test("a follow-up uses a variable from the first turn, gets its own answer, and history/export show both turns", async () => {
    const one = await fake(TURN1);
    servers.push(one.server);
    const first = await codeact(["run", "Set x to 41", "--thread", "fu-1", "--executor", "docker", ...store.flags()], env(one.server));
    expect(first.stderr).not.toMatch(/codeact:/);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/Answer: x is 41/);

    const two = await fake(TURN2);
    servers.push(two.server);
    // The thread recorded the first endpoint; another one is an explicit (recorded) override.
    const second = await codeact(["run", "Now print x plus one", "--thread", "fu-1", "--executor", "docker", "--base-url", two.server.baseUrl, "--json", ...store.flags()], env(two.server));
    expect(second.stderr).not.toMatch(/codeact:/);
    expect(second.code).toBe(0);
    const events = second.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; [k: string]: unknown });
    expect(events.find((e) => e.type === "turn")).toMatchObject({ index: 1, request: "Now print x plus one" });
    // The kernel of this new process was rebuilt from turn 1's cell before the follow-up's action.
    expect(events.find((e) => e.type === "rehydrated")).toMatchObject({ replayed: 1, failed: 0 });
    const cell = events.find((e) => e.type === "cell") as unknown as { cell: { result: { status: string; stdout: string } } };
    expect(cell.cell.result).toMatchObject({ status: "ok", stdout: "42\n" });
    // The turn's own counts: its model calls are exactly the requests this turn's endpoint answered.
    expect(events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "42", turn: 1, thread: "fu-1", modelCalls: 5 });
    expect(two.roles).toEqual(["planner", "coder", "critic", "coder", "critic"]);

    // The planner planned for the new request on the coder's conversation (the earlier turn whole,
    // its cached prefix), with its own instruction last; the coder's conversation goes on.
    const planReq = two.server.requests[0]!;
    const planText = planReq.messages.map((m) => textOf(m.content)).join("\n");
    expect(planText).toMatch(/x = 41[\s\S]*accepted answer was: x is 41[\s\S]*New request from the user \(turn 2\)[^\n]*\nNow print x plus one/);
    expect(textOf(planReq.messages.at(-1)!.content)).toMatch(/^Stop here as the planner/);
    expect(JSON.stringify(two.server.requests[1]!.messages.slice(0, planReq.messages.length - 1))).toBe(JSON.stringify(planReq.messages.slice(0, -1)));
    const coderText = two.server.requests[1]!.messages.map((m) => textOf(m.content)).join("\n");
    expect(coderText).toMatch(/Task: Set x to 41/);
    expect(coderText).toMatch(/x = 41/);
    expect(coderText).toMatch(/accepted answer was: x is 41[\s\S]*New request from the user \(turn 2\)[^\n]*\nNow print x plus one/);

    const saved = await createCheckpointer(store.open());
    try {
      const state = await readThreadState(saved.saver, "fu-1");
      expect(state.task).toBe("Set x to 41");
      expect(state).toMatchObject({ turn: 1, request: "Now print x plus one", turnFirstCell: 1, status: "done", answer: "42" });
      expect(state.turns).toEqual([{ index: 0, request: "Set x to 41", answer: "x is 41", status: "done", statusDetail: "", firstCell: 0, tokens: expect.any(Number) }]);
      expect(state.cells.map((c) => c.result.stdout)).toEqual(["x is 41\n", "42\n"]);
    } finally {
      await saved.close();
    }

    const history = await codeact(["history", "fu-1", ...store.flags()], { CODEACT_HOME: home });
    expect(history.code).toBe(0);
    expect(history.stdout).toMatch(/turn 1 \(done\): Set x to 41\n\s+answer: x is 41/);
    expect(history.stdout).toMatch(/turn 2 \(done\): Now print x plus one\n\s+answer: 42/);

    const nb = join(home, "fu.ipynb");
    expect((await codeact(["export", "fu-1", "--format", "ipynb", "-o", nb, ...store.flags()], { CODEACT_HOME: home })).code).toBe(0);
    const notebook = JSON.parse(readFileSync(nb, "utf8")) as { cells: { cell_type: string; source: string | string[] }[] };
    const sources = notebook.cells.map((c) => (Array.isArray(c.source) ? c.source.join("") : c.source));
    const at = (re: RegExp) => sources.findIndex((s) => re.test(s));
    // Each turn's request, then its code, then its answer, in order.
    const order = [at(/Set x to 41/), at(/^x = 41/), at(/x is 41/), at(/Now print x plus one/), at(/^print\(x \+ 1\)/), at(/Answer[\s\S]*42/)];
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);

    const chat = join(home, "fu.chat.json");
    expect((await codeact(["export", "fu-1", "--format", "openai-chat", "-o", chat, ...store.flags()], { CODEACT_HOME: home })).code).toBe(0);
    const record = JSON.parse(readFileSync(chat, "utf8")) as { messages: { role: string; content: string }[] };
    // The coder's conversation as the model was sent it: system prompt, both turns, every note.
    expect(record.messages.map((m) => [m.role, m.content.split("\n")[0]])).toEqual([
      ["system", expect.stringMatching(/^You are an agent that solves tasks by writing Python code/)],
      ["user", "Task: Set x to 41"],
      ["user", "Plan:"],
      ["assistant", "<execute>"],
      ["user", "Observation (ok):"],
      ["user", "All steps are done. Give the final answer to the task now in <solution>…</solution>."],
      ["assistant", "<solution>x is 41</solution>"],
      ["user", "The previous request is finished; its accepted answer was: x is 41"],
      ["user", "Plan:"],
      ["assistant", "<execute>"],
      ["user", "Observation (ok):"],
      ["user", "All steps are done. Give the final answer to the task now in <solution>…</solution>."],
      ["assistant", "<solution>42</solution>"],
    ]);
    expect(record.messages[7]!.content).toContain("Now print x plus one");

    const html = join(home, "fu.html");
    expect((await codeact(["export", "fu-1", "--format", "html", "-o", html, ...store.flags()], { CODEACT_HOME: home })).code).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toMatch(/Turn 2[\s\S]*Now print x plus one/);
    expect(page.indexOf("Set x to 41")).toBeLessThan(page.indexOf("Now print x plus one"));
  });
});

describe("a follow-up after kill -9", () => {
  let home: string;
  const servers: FakeOpenAI[] = [];
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-followup-kill-"));
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close();
    rmSync(home, { recursive: true, force: true });
  });

  test("is refused while the killed turn is unfinished (nothing lost), then works after resume, on a rebuilt kernel", async () => {
    // Turn 1 stops for good while the coder waits on the model: the cell x = 41 is checkpointed.
    const hang = await startFakeOpenAI([PLAN("set x to 41"), "<execute>\nx = 41\nprint('x is', x)\n</execute>\n<step_done/>", NEXT, { misbehave: "hang" }]);
    servers.push(hang);
    const env = (s: FakeOpenAI) => ({ CODEACT_HOME: home, OPENAI_BASE_URL: s.baseUrl, OPENAI_API_KEY: "", CODEACT_MODEL: "fake-model" });
    const run = startCodeact(["run", "Set x to 41", "--thread", "fu-kill", "--executor", "docker"], env(hang));
    await waitFor(() => hang.requests.length >= 4, 120_000, "the hanging coder request");
    run.child.kill("SIGKILL");
    expect((await run.exit).signal).toBe("SIGKILL");

    const early = await fake(TURN2);
    servers.push(early.server);
    const refused = await codeact(["run", "Now print x plus one", "--thread", "fu-kill", "--executor", "docker", "--base-url", early.server.baseUrl], env(early.server));
    expect(refused.code).toBe(EXIT_CODES.conflict);
    expect(refused.stderr).toMatch(/turn in progress[\s\S]*codeact resume fu-kill/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack
    expect(early.server.requests).toHaveLength(0);

    const rest = await fake({ coder: ["<solution>x is 41</solution>"], critic: [DONE("x is 41")] });
    servers.push(rest.server);
    const resumed = await codeact(["resume", "fu-kill", "--executor", "docker", "--base-url", rest.server.baseUrl], env(rest.server));
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/Answer: x is 41/);

    const second = await codeact(["run", "Now print x plus one", "--thread", "fu-kill", "--executor", "docker", "--base-url", early.server.baseUrl], env(early.server));
    expect(second.stderr).not.toMatch(/codeact:/);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/Turn 2: Now print x plus one/);
    expect(second.stdout).toMatch(/^42$/m);
    expect(second.stdout).toMatch(/Answer: 42/);
    expect(second.stdout).not.toMatch(/Answer: x is 41/);

    // Ending again: a resume of the ended thread says so and how to follow up.
    const again = await codeact(["resume", "fu-kill", "--executor", "docker", "--base-url", rest.server.baseUrl], env(rest.server));
    expect(again.stderr).toMatch(/already ended \(done\)[\s\S]*codeact run "<request>" --thread fu-kill/);
  });
});
