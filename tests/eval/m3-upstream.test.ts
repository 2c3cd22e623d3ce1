/**
 * #19 Build 7: `--agent paper` on M3ToolEval is upstream main.py's loop, turn for turn. Each
 * trajectory (scripted replies, with the edge cases: two answers, two actions, a failing tool, no
 * output, stderr, an Out[n] value, output past 2,000 characters hiding a TypeError, bad JSON, an
 * unknown tool, a reply with neither marker) is replayed through upstream's own run_task and
 * postprocess_fn (taken from the package's main.py and run in a sandboxed kernel with the package,
 * the model call replaced by the script) and through our eval; every message and the score agree.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ChatOpenAI } from "@langchain/openai";
import { createCheckpointer } from "../../checkpoints/savers";
import { createExecutor } from "../../executors/factory";
import type { CodeExecutor } from "../../executors/types";
import { readFolder, writeFilesSource } from "../../eval/kernel-files";
import { upstreamKeep, upstreamParse } from "../../eval/m3-loop";
import { runEval } from "../../eval/run";
import { resolveSuite } from "../../eval/suite";
import { createPaperGraph, type PaperStateValue, withMaxTokens } from "../../graphs/paper";
import type { ActionFormat } from "../../graphs/state/settings";
import { createRoleModels } from "../../nodes/models/models";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { startFakeOpenAI } from "../helpers/fake-openai";

const beside = join(__dirname, "..", "..", "..", "shared", "m3tooleval");
const dir = process.env.CODEACT_M3TOOLEVAL_DIR ?? (existsSync(beside) ? beside : undefined);
const executor = { kind: "docker" as const, limits: { memoryMb: 256, pidsLimit: 64, cpus: 1, workspaceMb: 64 } };

const TRAJECTORIES: { task: string; format: ActionFormat; replies: string[] }[] = [
  {
    task: "trade_calculator/estimate_final_value",
    format: "code",
    replies: [
      "Thought: two actions at once.\nAction:\nprint(calculate_tariff(150, 7.5))\nEnd Action\nAction:\nprint('second')\nEnd Action",
      "Action:\nx = estimate_final_value(150, 11.25)\nEnd Action",
      "Action:\nimport sys\nsys.stderr.write('a warning\\n')\nx\nEnd Action",
      "Action:\nprint('b' * 1990)\ncalculate_tariff('150', 7.5)\nEnd Action",
      "Action:\ncalculate_tariff('150', 7.5)\nEnd Action",
      "Action:\nprint('c' * 2500)\nEnd Action",
      "Answer: 160",
      "Answer: 161.25\nAnswer: 161.25",
    ],
  },
  {
    task: "message_decoder/hex_caesar_combined_decoding",
    format: "json",
    replies: [
      'Action: {"tool": "convert_hex_to_ascii", "args": ["4d4f5252"] End Action',
      'Action: {"tool": "nope", "args": []} End Action',
      'Action: {"tool": "caesar_decode", "args": [1]} End Action',
      'Action: {"tool": "convert_hex_to_ascii", "args": "4d4f5252"} End Action\nThought: and again\nAction: {"tool": "nope", "args": []} End Action',
      "Thought: I think it is MORR",
      "Answer: MORR\nThought: sure?",
      "Answer: KMPP",
    ],
  },
  {
    task: "cryptobotanists_plant_dna_sequencer/validate_transcribe_translate",
    format: "text",
    replies: ["Action: is_valid_dna_sequence, AGCTTX End Action", "Action: count_nucleotides, AGCT End Action Answer: x", "Answer: Invalid DNA sequence"],
  },
];

/** Upstream's run_task and postprocess_fn from the package's main.py, run with the script as the model. */
const UPSTREAM = String.raw`
import ast as _a, contextlib as _c, io as _i, json as _j, os as _o, re as _r, sys as _s, traceback as _t, types as _ty
_ce_tqdm_stub()
_s.path.insert(0, _o.path.abspath(".codeact-eval"))
import tasks as _tasks
_tree = _a.parse(open(".codeact-eval/main.py").read())
_defs = [n for n in _tree.body if isinstance(n, _a.FunctionDef) and n.name in ("postprocess_fn", "run_task")]
_errors = _ty.SimpleNamespace(InvalidRequestError=type("InvalidRequestError", (Exception,), {}), APIError=type("APIError", (Exception,), {}))
with _c.redirect_stdout(_i.StringIO()):
    _all = {t.name: t for t in _tasks.get_task_iterator()}
_out = []
for _name, _mode, _replies in _j.loads(__TRAJ__):
    _ns = {"re": _r, "json": _j, "traceback": _t, "openai": _ty.SimpleNamespace(error=_errors), "args": _ty.SimpleNamespace(model="scripted"), "Task": _tasks.Task, "ActionMode": _tasks.ActionMode}
    _ns["chat_completion"] = lambda messages, _q=list(_replies): _q.pop(0)
    exec(compile(_a.Module(body=_defs, type_ignores=[]), "main.py", "exec"), _ns)
    _task = _all[_name]
    _task.reset()
    with _c.redirect_stdout(_i.StringIO()):
        _res = _ns["run_task"](_name, _task, _tasks.ActionMode[_mode], 10)
    _out.append({"messages": _res["messages"], "correct": _res["is_correct"], "turns": _res["n_turns"]})
print(_j.dumps(_out))
`;

const MODES: Record<ActionFormat, string> = { code: "CODE_AS_ACTION", json: "JSON_AS_ACTION", text: "TEXT_AS_ACTION" };

async function upstream(pkg: string): Promise<{ messages: { role: string; content: string }[]; correct: boolean; turns: number }[]> {
  const kernel = await createExecutor(executor);
  try {
    await kernel.start();
    const files = { ...readFolder(join(pkg, "tasks"), "tasks/"), "main.py": readFileSync(join(pkg, "main.py")).toString("base64") };
    const harness = readFileSync(join(__dirname, "..", "..", "eval", "python", "harness.py"), "utf8");
    const load = await kernel.execute(`${harness}\n${writeFilesSource(".codeact-eval", files)}`, { timeoutMs: 60_000 });
    expect(load.status).toBe("ok");
    const traj = JSON.stringify(JSON.stringify(TRAJECTORIES.map((t) => [t.task, MODES[t.format], t.replies])));
    const run = await kernel.execute(UPSTREAM.replace("__TRAJ__", traj), { timeoutMs: 120_000 });
    expect({ status: run.status, error: run.error }).toMatchObject({ status: "ok" });
    return JSON.parse(run.stdout.trim().split("\n").pop()!);
  } finally {
    await kernel.shutdown();
  }
}

if (dir) {
  it("asks the endpoint for max_tokens 512 and temperature 0 on M3ToolEval only (other suites keep our settings)", async () => {
    const fake = await startFakeOpenAI(["Answer: 161.25"], { repeatLast: true });
    const out = mkdtempSync(join(tmpdir(), "codeact-m3-tokens-"));
    try {
      const { coder } = createRoleModels({ model: "m", baseUrl: fake.baseUrl });
      const common = { formats: ["code" as const], agent: "paper" as const, modelFor: () => coder, executor, maxTurns: 1, checkpointer: { kind: "sqlite" as const, path: join(out, "c.sqlite") } };
      await runEval({ ...common, suite: resolveSuite("m3tooleval", dir), filter: /^trade_calculator\/estimate_final_value$/, out: join(out, "m3") });
      await runEval({ ...common, suite: resolveSuite("toolbox"), filter: /^cheapest_tool$/, out: join(out, "toolbox") });
      const sent = fake.requests as unknown as { max_tokens?: number; temperature?: number }[];
      expect(sent.map((r) => [r.max_tokens, r.temperature])).toEqual([
        [512, 0],
        [undefined, 0],
      ]);
    } finally {
      await fake.close();
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
}

if (!dir) {
  it.skip("M3ToolEval upstream replay (set CODEACT_M3TOOLEVAL_DIR to run)", () => undefined);
} else {
  it("replayed trajectories give upstream's messages, turns and score, turn for turn", async () => {
    const expected = await upstream(dir);
    const out = mkdtempSync(join(tmpdir(), "codeact-m3-up-"));
    try {
      const byKey = new Map(TRAJECTORIES.map((t) => [`${t.format} ${t.task}`, t.replies]));
      const report = await runEval({
        suite: resolveSuite("m3tooleval", dir),
        formats: ["code", "json", "text"],
        agent: "paper",
        modelFor: (task, format) => new ScriptedChatModel({ script: byKey.get(`${format} ${task.id}`) ?? ["Answer: none"] }),
        out,
        filter: new RegExp(`^(${TRAJECTORIES.map((t) => t.task.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`),
        executor,
        checkpointer: { kind: "sqlite", path: join(out, "c.sqlite") },
      });
      const store = await createCheckpointer({ kind: "sqlite", path: join(out, "c.sqlite") });
      try {
        for (const [i, t] of TRAJECTORIES.entries()) {
          const row = report.results.find((r) => r.taskId === t.task && r.format === t.format)!;
          const graph = createPaperGraph({ model: new ScriptedChatModel({ script: [] }), executor: {} as CodeExecutor, format: t.format, check: async () => ({ correct: false, tolerant: false }), checkpointer: store.saver });
          const state = (await graph.getState({ configurable: { thread_id: row.threadId } })).values as PaperStateValue;
          const ours = { messages: state.messages.map((m) => ({ role: m.role, content: m.content })), correct: row.correct, turns: row.turns };
          expect(ours).toEqual(expected[i]);
        }
      } finally {
        await store.close();
      }
      // The cases the issue names, as upstream shows them.
      const code = expected[0]!.messages;
      expect(code[1]!.content).not.toContain("second");
      expect(code[4]!.content).toBe("[Executed Successfully with No Output, Did you forget to print?]");
      expect(code[6]!.content).toBe("161.25");
      expect(code[8]!.content.endsWith("...\n[Output Truncated]") && !code[8]!.content.includes("TypeError")).toBe(true);
      expect(code[10]!.content).toContain("TypeError");
      expect(expected[0]!.correct).toBe(true);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 400_000);
}

it("keeps a reply up to its first action or answer, and parses it, as upstream does", () => {
  expect(upstreamKeep("  Answer: 5\nAnswer: 5")).toBe("Answer: 5");
  expect(upstreamKeep("Thought: a\nAction:\nf()\nEnd Action\nThought: b\nAction:\ng()\nEnd Action")).toBe("Thought: a\nAction:\nf()\nEnd Action");
  expect(upstreamKeep("Action: f() End Action more Thought: x Answer: 1")).toBe("Action: f() End Action");
  expect(upstreamParse("Answer: 5")).toEqual({ type: "answer", content: "5" });
  expect(upstreamParse("Action: x Answer: y").type).toBe("invalid");
  expect(upstreamParse("Thought: hello")).toEqual({ type: "invalid", content: "Invalid generation. Your output should contain either 'Action:' or 'Answer:'" });
  expect(upstreamParse("Action:\n  f()\nEnd Action trailing")).toEqual({ type: "action", content: "f()\n" });
});

it("caps each reply at upstream's 512 tokens without changing the caller's model", () => {
  const model = new ChatOpenAI({ model: "m", apiKey: "k", configuration: { baseURL: "http://127.0.0.1:9/v1" } });
  const capped = withMaxTokens(model, 512) as ChatOpenAI;
  const maxTokens = (m: ChatOpenAI) => (m.invocationParams({}) as { max_tokens?: number }).max_tokens;
  expect(maxTokens(capped)).toBe(512);
  expect(maxTokens(model)).toBeUndefined();
});
