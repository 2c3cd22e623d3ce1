/**
 * `codeact eval api-bank` as a process: --oracle prints the table and a last JSON line; a real
 * ChatOpenAI run against a local OpenAI-compatible server that replays each item's gold call scores
 * what the oracle scores, item for item; a kill -9 part-way and --resume finish the items that had
 * not finished, none twice. Needs the data (CODEACT_APIBANK_DIR, or ../shared/api-bank).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";
import { loadItems } from "../../eval/api-bank/items";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";

const root = join(__dirname, "..", "..");
const beside = [join(root, "..", "shared", "api-bank"), join(root, "..", "..", "shared", "api-bank")].find((d) => existsSync(d));
const dir = process.env.CODEACT_APIBANK_DIR || beside;
const SUBSET = "^(GetToday|QueryStock|Calculator|BookHotel|Dictionary|AddReminder)-level-1-[12]\\.jsonl-";
const textOf = (c: string | { text?: string }[]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join(""));

function start(args: string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; stdout: () => string; stderr: () => string; exit: Promise<number | null> } {
  // One process (no tsx wrapper), so SIGKILL hits the eval itself.
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, OPENAI_API_KEY: "", NO_COLOR: "1", ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout!.on("data", (d: Buffer) => (out += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (err += d.toString()));
  const exit = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, stdout: () => out, stderr: () => err, exit };
}

interface Row {
  taskId: string;
  format: string;
  correct: boolean;
  answer: string | null;
  finishedAt: string;
  modelCalls: number;
  apiBank: { ceiling: { correct: boolean } };
}
const rows = (path: string): Row[] => (existsSync(path) ? readFileSync(path, "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Row) : []);

if (!dir) {
  it.skip("API-Bank CLI (set CODEACT_APIBANK_DIR to API-Bank's api-bank/ folder to run these)", () => undefined);
  // eslint-disable-next-line no-console
  console.log("tests/eval/api-bank-cli: skipped, no API-Bank data (set CODEACT_APIBANK_DIR or put it at ../shared/api-bank)");
} else {
  let home: string;
  let fake: FakeOpenAI | undefined;
  beforeAll(() => (home = mkdtempSync(join(tmpdir(), "codeact-apibank-cli-"))));
  afterAll(async () => {
    await fake?.close();
    rmSync(home, { recursive: true, force: true });
  });

  it("--oracle, then ChatOpenAI against a server replaying the gold calls: the same score item for item", async () => {
    const common = ["eval", "api-bank", "--from", dir, "--action-format", "all", "--tasks", SUBSET, "--executor", "docker", "--concurrency", "2"];
    const oracle = start([...common, "--oracle", "--out", join(home, "oracle")]);
    expect({ code: await oracle.exit, stderr: oracle.stderr() }).toMatchObject({ code: 0 });
    const lines = oracle.stdout().trim().split("\n");
    expect(lines.join("\n")).toMatch(/format\s+items\s+correct\s+success %\s+ceiling\s+ceiling %/);
    const last = JSON.parse(lines.at(-1)!);
    const items = loadItems(dir).filter((i) => new RegExp(SUBSET).test(i.id));
    expect(last.results.map((r: { format: string; tasks: number }) => [r.format, r.tasks])).toEqual([
      ["code", items.length],
      ["json", items.length],
      ["text", items.length],
    ]);
    for (const r of last.results) expect(r).toMatchObject({ correct: r.ceilingCorrect, modelCalls: 0 });
    expect(last.standIns).toEqual(expect.arrayContaining(["sentence_transformers", "rank_bm25", "googletrans", "rouge"]));
    expect(lines.join("\n")).toContain("network: Dictionary, Translate and SearchEngine");
    const gold = rows(join(home, "oracle", "results.jsonl"));

    // The server finds the item from the conversation (its user lines, how many API responses, the
    // format's guide in the system prompt) and answers with the oracle's reply for it.
    const key = (format: string, users: string[], responses: number) => JSON.stringify([format, users, responses]);
    const replies = new Map<string, string>();
    for (const item of items) {
      const lines = item.history.map((l) => JSON.parse(l) as { role: string; text?: string });
      const users = lines.filter((l) => l.role === "User").map((l) => l.text ?? "");
      for (const r of gold.filter((g) => g.taskId === item.id)) replies.set(key(r.format, users, lines.filter((l) => l.role === "API").length), r.answer!);
    }
    fake = await startFakeOpenAI(
      [
        (req) => {
          const system = textOf(req.messages[0]!.content);
          const format = system.includes('[{"action": "ApiName"') ? "json" : system.includes("[Action: ApiName") ? "text" : "code";
          const users = req.messages.filter((m) => m.role === "user").map((m) => textOf(m.content));
          const reply = replies.get(key(format, users.filter((u) => !u.startsWith("Response: ")), users.filter((u) => u.startsWith("Response: ")).length));
          return reply ?? { status: 400, message: "fake: no such item" };
        },
      ],
      { repeatLast: true },
    );
    const model = start([...common, "--base-url", fake.baseUrl, "--model", "my-model", "--out", join(home, "model")]);
    expect({ code: await model.exit, stderr: model.stderr() }).toMatchObject({ code: 0 });
    const mlast = JSON.parse(model.stdout().trim().split("\n").at(-1)!);
    expect(mlast.model).toEqual({ model: "my-model", endpoint: fake.baseUrl });
    const ran = rows(join(home, "model", "results.jsonl"));
    const sort = (rs: Row[]) => rs.map((r) => [r.format, r.taskId, r.answer, r.correct, r.apiBank.ceiling.correct]).sort((a, b) => String(a).localeCompare(String(b)));
    expect(sort(ran)).toEqual(sort(gold));
    expect(ran.every((r) => r.modelCalls === 1)).toBe(true);
    for (const r of mlast.results) expect(r).toMatchObject({ tasks: items.length, modelCalls: items.length, correct: r.ceilingCorrect });
    expect(mlast.results[0].tokens).toBeGreaterThan(0);
    // One call per item, each with upstream's messages: system first, replies capped at 512 tokens.
    expect(fake.requests).toHaveLength(3 * items.length);
    for (const r of fake.requests) {
      expect(r.model).toBe("my-model");
      expect(r.messages[0]!.role).toBe("system");
      const body = r as { max_tokens?: number; max_completion_tokens?: number };
      expect(body.max_tokens ?? body.max_completion_tokens).toBe(512);
    }
  }, 600_000);

  it("resumes after kill -9 without rerunning finished items", async () => {
    const script = join(home, "script.json");
    writeFileSync(script, JSON.stringify({ delayMs: 400, default: ['[{"action": "GetToday"}]'] }));
    const out = join(home, "resume");
    const args = ["eval", "api-bank", "--from", dir, "--action-format", "json", "--tasks", SUBSET, "--scripted", script, "--executor", "docker", "--out", out];
    const results = join(out, "results.jsonl");
    const n = loadItems(dir).filter((i) => new RegExp(SUBSET).test(i.id)).length;

    const first = start(args);
    const until = Date.now() + 180_000;
    while (rows(results).length < 3) {
      if (Date.now() > until) throw new Error(`no results in time:\n${first.stderr()}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    first.child.kill("SIGKILL");
    await first.exit;
    const before = rows(results);
    expect(before.length).toBeGreaterThanOrEqual(3);
    expect(before.length).toBeLessThan(n);

    const refused = start(args);
    // A folder holding an eval is a conflict, and the CLI says how to continue it.
    expect(await refused.exit).toBe(EXIT_CODES.conflict);
    expect(refused.stderr()).toContain("Continue it with --resume");
    expect(rows(results)).toHaveLength(before.length);

    const second = start([...args, "--resume"]);
    expect({ code: await second.exit, stderr: second.stderr() }).toMatchObject({ code: 0 });
    const after = rows(results);
    expect(after.slice(0, before.length)).toEqual(before);
    expect(after.map((r) => r.taskId).sort()).toEqual(loadItems(dir).filter((i) => new RegExp(SUBSET).test(i.id)).map((i) => i.id).sort());
    for (const b of before) expect(second.stderr()).not.toContain(` json ${b.taskId} `);
    const last = JSON.parse(second.stdout().trim().split("\n").at(-1)!);
    expect(last.resumedTasks).toBe(before.length);
    expect(last.results).toEqual([expect.objectContaining({ format: "json", tasks: n })]);
    // The one reply is GetToday's gold call: right for its items, wrong for the others.
    expect(after.some((r) => r.correct)).toBe(true);
    expect(after.some((r) => !r.correct)).toBe(true);
  }, 400_000);
}
