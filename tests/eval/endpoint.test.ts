/**
 * One command against an OpenAI-compatible endpoint (a local fake server, so the real ChatOpenAI
 * client path runs): the table for every format, then one JSON line.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";

const root = join(__dirname, "..", "..");
/** A request message's text, whether the client sent a string or content parts. */
const textOf = (c: string | { text?: string }[]) => (typeof c === "string" ? c : c.map((p) => p.text ?? "").join(""));

let fake: FakeOpenAI;
let home: string;
beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), "codeact-eval-endpoint-"));
  // A model that acts once in whatever format the prompt asks for, then answers.
  fake = await startFakeOpenAI(
    [
      (req) => {
        if (req.messages.length > 1) return "Answer: widget";
        const prompt = textOf(req.messages[0]!.content);
        if (prompt.includes('"tool"')) return 'Action: {"tool": "get_price", "args": ["widget"]} End Action';
        if (prompt.includes("separated by commas")) return "Action: get_price, widget End Action";
        return "Action:\nprint(min(list_items('tools'), key=get_price))\nEnd Action";
      },
    ],
    { repeatLast: true },
  );
});
afterAll(async () => {
  await fake.close();
  rmSync(home, { recursive: true, force: true });
});

it("codeact eval --action-format all prints a row per format and a JSON line last", async () => {
  const args = ["eval", "toolbox", "--action-format", "all", "--tasks", "^cheapest_tool$", "--base-url", fake.baseUrl, "--model", "my-model", "--executor", "docker", "--concurrency", "2", "--out", join(home, "out"), "--checkpoints", join(home, "c.sqlite")];
  const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, OPENAI_API_KEY: "", NO_COLOR: "1" }, stdio: ["ignore", "pipe", "pipe"] });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  expect({ code, stderr }).toMatchObject({ code: 0 });
  const lines = stdout.trim().split("\n");
  expect(lines.some((l) => /^paper\s+code\s+1\s+100\s+100\s+2\s+2\s/.test(l))).toBe(true);
  expect(lines.some((l) => /^paper\s+json\s+1\s+100/.test(l))).toBe(true);
  expect(lines.some((l) => /^paper\s+text\s+1\s+100/.test(l))).toBe(true);
  const last = JSON.parse(lines.at(-1)!);
  expect(last.results.map((r: { format: string; success: number; modelCalls: number }) => [r.format, r.success, r.modelCalls])).toEqual([
    ["code", 100, 2],
    ["json", 100, 2],
    ["text", 100, 2],
  ]);
  // Tokens are the endpoint's reported usage.
  expect(last.results[0].tokens).toBeGreaterThan(100);
  expect(fake.requests.every((r) => r.model === "my-model")).toBe(true);
  // The paper's conversation: the prompt, then reply / observation pairs.
  const second = fake.requests.find((r) => r.messages.length === 3 && textOf(r.messages[0]!.content).includes("separated by commas"))!;
  expect(second.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
  expect(second.messages[2]!.content).toBe("4.5");
}, 300_000);
