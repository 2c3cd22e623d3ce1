/**
 * API-Bank level-1 (#23) in the sandbox: the oracle's score, item for item in every format, equals
 * upstream's scoring of the same gold calls, computed in a Docker kernel by a reference written
 * against API-Bank's own ToolManager and parser from the data folder (one ToolManager per item for
 * call and check, no transport, upstream's renderers and parsers spelled out as code-act's
 * evaluator has them). Wrong calls score 0 with their reason; a model's error is its item's row.
 * Needs the data (CODEACT_APIBANK_DIR, set by .ci/run; or ../shared/api-bank beside the repo).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createExecutor } from "../../executors/factory";
import { apiBankDir, loadItems } from "../../eval/api-bank/items";
import { ApiBankKernel, ApiBankPrelude, systemPrompt } from "../../eval/api-bank/kernel";
import { runApiBank } from "../../eval/api-bank/run";
import { resolveSuite } from "../../eval/suite";
import { b64 } from "../../eval/suite";
import { CodeActError } from "../../errors";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";

const beside = [join(__dirname, "..", "..", "..", "shared", "api-bank"), join(__dirname, "..", "..", "..", "..", "shared", "api-bank")].find((d) => existsSync(d));
const dir = process.env.CODEACT_APIBANK_DIR || beside;
const executor = { kind: "docker" as const, limits: { memoryMb: 512, pidsLimit: 64, cpus: 1, workspaceMb: 64 } };

/** Every kind of miss the README names (offline, state, gold/API disagreement, list strings, the no-parameter rendering) and passing APIs, plus two duplicated items. */
const SUBSET = /^((GetToday|RecordHealthData|CancelTimedSwitch|QueryScene|DeleteMeeting|ForgotPassword|Dictionary|Translate|ModifyMeeting|Calculator|QueryStock|BookHotel)-level-1-1|AddAgenda-AddMeeting-GetUserToken-level-2-3|AddReminder-level-1-2)\.jsonl-/;

// Upstream's scoring of one reply, in the kernel, on API-Bank's own classes: code-act's
// get_api_call, its per-format parsers (the code one is API-Bank's parse_api_call, same regexes)
// and Evaluator.evaluate, one ToolManager for the call and its check.
const REFERENCE = String.raw`
import json as _rj, os as _ro, re as _rre
def _ref_render(fmt, name, params):
    if fmt == "json":
        d = {"action": name}
        d.update(params)
        return "[" + _rj.dumps(d) + "]"
    if fmt == "text":
        t = "Action: {}, ".format(name)
        for k, v in params.items():
            t += "{}: {}, ".format(k, v)
        return "[" + t[:-2] + "]"
    t = "{}(".format(name)
    for k, v in params.items():
        t += "{}='{}', ".format(k, v)
    return "[" + t[:-2] + ")" + "]"

def _ref_parse(fmt, text):
    if fmt == "code":
        import api_call_extraction
        return api_call_extraction.parse_api_call(text)
    if fmt == "json":
        m = _rre.search(r"\[(\{.*\})\]", text, _rre.MULTILINE)
        d = _rj.loads(m.group(1))
        name = d.pop("action")
        return name, d
    m = _rre.search(r"\[Action:\s*(\w+),\s*(.*)\]", text, _rre.MULTILINE)
    params = {}
    for p in _rre.finditer(r"(\w+):\s*([^,]+)", m.group(2)):
        params[p.group(1)] = p.group(2).strip("\"").strip("'").strip()
    return m.group(1), params

def _ref_score(fmt, gold, reply):
    m = _rre.search(r"\[(.*)\]", reply)
    if not m:
        return False
    try:
        name, params = _ref_parse(fmt, m.group(0))
    except Exception:
        return False
    if name != gold["api_name"]:
        return False
    here = _ro.getcwd()
    _ro.chdir(_ro.path.abspath(".codeact-apibank"))
    try:
        import tool_manager
        tm = tool_manager.ToolManager()
        try:
            result = tm.api_call(name, **params)
        except Exception:
            return False
        try:
            return bool(tm.init_tool(name).check_api_call_correctness(result, gold["result"]))
        except (KeyError, AssertionError):
            return False
    finally:
        _ro.chdir(here)

def _ref_messages(fmt, system, apis, history):
    import tool_manager
    here = _ro.getcwd()
    _ro.chdir(_ro.path.abspath(".codeact-apibank"))
    try:
        tm = tool_manager.ToolManager()
        msgs = [{"role": "system", "content": system + "\n".join(tm.get_api_description(a) for a in apis)}]
    finally:
        _ro.chdir(here)
    for raw in history:
        item = _rj.loads(raw)
        if item["role"] == "User":
            msgs.append({"role": "user", "content": item["text"]})
        elif item["role"] == "AI":
            msgs.append({"role": "assistant", "content": item["text"]})
        else:
            msgs.append({"role": "assistant", "content": _ref_render(fmt, item["api_name"], item["param_dict"])})
            msgs.append({"role": "user", "content": f"Response: {str(item['result']['output'])}"})
    out = []
    for m in msgs:
        if m["role"] == "assistant" and out and out[-1]["role"] == "assistant":
            out[-1]["content"] += "\n" + m["content"]
        else:
            out.append(m)
    return out

def _ref_batch(b):
    job = _rj.loads(__import__("base64").b64decode(b))
    out = []
    for it in job["items"]:
        gold = _rj.loads(it["gold"])
        reply = _ref_render(job["format"], gold["api_name"], gold["param_dict"])
        out.append({"id": it["id"], "reply": reply, "correct": _ref_score(job["format"], gold, reply), "messages": _ref_messages(job["format"], job["system"], it["apis"], it["history"])})
    print(_rj.dumps(out))
`;

if (!dir) {
  it.skip("API-Bank (set CODEACT_APIBANK_DIR to API-Bank's api-bank/ folder to run these)", () => undefined);
  // eslint-disable-next-line no-console
  console.log("tests/eval/api-bank: skipped, no API-Bank data (set CODEACT_APIBANK_DIR or put it at ../shared/api-bank)");
} else {
  describe("eval: API-Bank level-1", () => {
    let out: string;
    beforeAll(() => (out = mkdtempSync(join(tmpdir(), "codeact-apibank-"))));
    afterAll(() => rmSync(out, { recursive: true, force: true }));

    it("builds upstream's 399 scored items (389 API lines, 10 of them twice)", () => {
      const items = loadItems(apiBankDir(dir));
      expect(items).toHaveLength(399);
      expect(new Set(items.map((i) => `${i.file}\u0000${i.history.length}`)).size).toBe(389);
      expect(new Set(items.map((i) => i.id)).size).toBe(399);
      // The task side never gets a gold line: the history stops before it.
      for (const i of items.slice(0, 50)) expect(i.history).not.toContain(i.gold);
      expect(() => apiBankDir(undefined, {})).toThrow(CodeActError);
      expect(() => apiBankDir(tmpdir(), {})).toThrow(/not API-Bank's folder/);
    });

    it("--oracle in all three formats scores item for item as upstream scores the gold calls, with upstream's messages", async () => {
      const suite = resolveSuite("api-bank", dir);
      const report = await runApiBank({ suite, formats: ["code", "json", "text"], oracle: true, out: join(out, "oracle"), concurrency: 2, executor, filter: SUBSET });
      const items = loadItems(suite.dir).filter((i) => SUBSET.test(i.id));
      expect(items.length).toBeGreaterThanOrEqual(20);
      expect(report.results).toHaveLength(3 * items.length);
      expect(report.failed).toEqual([]);
      expect(report.stubs).toEqual(expect.arrayContaining(["sentence_transformers", "rank_bm25", "googletrans", "rouge"]));

      const ref = new ApiBankKernel(await createExecutor(executor, new ApiBankPrelude(suite.dir)));
      try {
        await ref.start();
        const defined = await ref.executor.execute(REFERENCE, { timeoutMs: 60_000 });
        expect(defined.status).toBe("ok");
        for (const format of ["code", "json", "text"] as const) {
          const job = { format, system: systemPrompt(format), items: items.map((i) => ({ id: i.id, gold: i.gold, apis: i.apis, history: i.history })) };
          const r = await ref.executor.execute(`_ref_batch(${b64(JSON.stringify(job))})`, { timeoutMs: 300_000 });
          expect(r.status).toBe("ok");
          const upstream = JSON.parse(r.stdout.trim().split("\n").pop()!) as { id: string; reply: string; correct: boolean; messages: unknown[] }[];
          const ours = new Map(report.results.filter((x) => x.format === format).map((x) => [x.taskId, x]));
          for (const u of upstream) {
            const row = ours.get(u.id)!;
            expect({ id: u.id, reply: row.answer, correct: row.correct, ceiling: row.apiBank?.ceiling.correct }).toEqual({ id: u.id, reply: u.reply, correct: u.correct, ceiling: u.correct });
            const item = items.find((i) => i.id === u.id)!;
            expect(await ref.messages(format, item)).toEqual(u.messages);
          }
          // The subset holds passes and misses of every kind, so the comparison can fail both ways.
          expect(upstream.some((u) => u.correct)).toBe(true);
          expect(upstream.filter((u) => !u.correct).length).toBeGreaterThanOrEqual(8);
        }
      } finally {
        await ref.executor.shutdown();
      }
      const by = (format: string, id: RegExp) => report.results.filter((r) => r.format === format && id.test(r.taskId));
      // A call without parameters: upstream's code renderer drops two characters ("[GetToda)]") and
      // its text parser needs a comma, so only JSON passes.
      expect(by("json", /^GetToday/).map((r) => r.correct)).toEqual([true]);
      expect(by("code", /^GetToday/).map((r) => [r.answer, r.correct])).toEqual([["[GetToda)]", false]]);
      expect(by("text", /^GetToday/).map((r) => r.apiBank?.reason)).toEqual(["parse"]);
      // Network APIs are reported as such.
      expect(by("json", /^(Dictionary|Translate)-/).every((r) => !r.correct && r.apiBank?.network)).toBe(true);
      expect(report.summaries.find((s) => s.format === "json")!.reasons.network).toBe(2);
      const rows = readFileSync(join(out, "oracle", "results.jsonl"), "utf8").trim().split("\n");
      expect(rows).toHaveLength(3 * items.length);
    }, 600_000);

    it("a wrong call scores 0 with its reason; a model's error is its item's row and the eval goes on", async () => {
      const suite = resolveSuite("api-bank", dir);
      const only = /^(GetToday|QueryStock|Calculator|BookHotel)-level-1-1\.jsonl-/;
      const replies: Record<string, string> = {
        GetToday: "Sure! [{\"action\": \"GetToday\"}]",
        QueryStock: '[{"action": "QueryStock", "stock_code": "NOPE", "date": "2023-01-01"}]',
        Calculator: '[{"action": "QueryStock", "stock_code": "AAPL"}]',
      };
      const models: ScriptedChatModel[] = [];
      const report = await runApiBank({
        suite,
        formats: ["json"],
        out: join(out, "wrong"),
        executor,
        filter: only,
        model: "scripted-wrong",
        modelFor: (_format, item) => {
          const reply = replies[item.goldName];
          const m = new ScriptedChatModel({ script: reply === undefined ? [] : [reply] });
          models.push(m);
          return m;
        },
      });
      const row = (api: string) => report.results.find((r) => r.domain === api)!;
      expect(row("GetToday")).toMatchObject({ correct: true, status: "done", modelCalls: 1 });
      expect(row("QueryStock")).toMatchObject({ correct: false, status: "done", apiBank: { reason: "check_failed", ceiling: { correct: true } } });
      expect(row("Calculator")).toMatchObject({ correct: false, apiBank: { reason: "name_mismatch" } });
      // BookHotel's model has no reply: a model error, recorded, and a resume would run it again.
      expect(row("BookHotel")).toMatchObject({ correct: false, status: "error", error: { code: "model" } });
      expect(report.failed.map((r) => r.domain)).toEqual(["BookHotel"]);
      expect(report.summaries).toEqual([expect.objectContaining({ format: "json", tasks: 4, correct: 1, success: 25, ceilingCorrect: 4, errored: 1 })]);
      // The model got upstream's messages: the system prompt first, then the dialogue.
      const sent = models[0]!.calls[0]!;
      expect(sent[0]!.getType()).toBe("system");
      expect(String(sent[0]!.content)).toContain('[{"action": "ApiName", "param1": "value1", "param2": "value2", ...}]');
      expect(sent.slice(1).map((m) => m.getType())).toContain("human");
    }, 300_000);
  });
}
