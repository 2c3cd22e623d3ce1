/** `codeact run --action-format json|text`: the graph acts by one tool call a turn (here Python builtins; no tools are configured). */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";

const root = join(__dirname, "..", "..");
const home = mkdtempSync(join(tmpdir(), "codeact-run-format-"));
afterAll(() => rmSync(home, { recursive: true, force: true }));

const plan = JSON.stringify({ steps: [{ description: "find the larger number", doneCriterion: "printed" }] });
// The critic judges claims: a JSON/text tool call claims nothing, so the answer is its first review.
const done = JSON.stringify({ verdict: "done", feedback: "", answer: "10" });

function run(format: string, coder: string[]) {
  const file = join(home, `${format}.json`);
  writeFileSync(file, JSON.stringify({ planner: [plan], coder, critic: [done] }));
  const args = ["run", "which is larger, 3 or 10?", "--action-format", format, "--scripted", file, "--json", "--executor", "docker", "--checkpoints", join(home, "c.sqlite")];
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, CODEACT_HOME: home, NO_COLOR: "1" }, encoding: "utf8" });
  const events = r.stdout.trim().split("\n").filter(Boolean).map((l) => JSON.parse(l) as { type: string; cell?: { code: string; result: { stdout: string } }; status?: string; answer?: string });
  return { code: r.status, stderr: r.stderr, events };
}

it.each([
  ["text", "Action: max, 3, 10 End Action"],
  ["json", 'Action: {"tool": "max", "args": [3, 10]} End Action'],
])("%s: the tool call runs in the kernel and its result is the observation", (format, action) => {
  const r = run(format, [action, "Answer: 10"]);
  expect({ code: r.code, stderr: r.stderr }).toMatchObject({ code: 0 });
  const cell = r.events.find((e) => e.type === "cell")!.cell!;
  // Text arguments are typed as the paper typed them (int, then float, then str): max(3, 10) is 10, not "3".
  expect(cell.result.stdout.trim()).toBe("10");
  expect(r.events.at(-1)).toMatchObject({ type: "finished", status: "done", answer: "10" });
}, 120_000);

it("a reply in the wrong shape goes back to the model as a request for a proper action", () => {
  const r = run("json", ["Action: max(3, 10) End Action", 'Action: {"tool": "max", "args": [3, 10]} End Action', "Answer: 10"]);
  expect(r.code).toBe(0);
  expect(r.events.some((e) => e.type === "invalid_output")).toBe(true);
  expect(r.events.at(-1)).toMatchObject({ type: "finished", status: "done" });
}, 120_000);

it("an unknown --action-format is refused", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "run", "x", "--action-format", "yaml", "--scripted", join(home, "json.json")], { cwd: root, env: { ...process.env, CODEACT_HOME: home }, encoding: "utf8" });
  expect(r.status).toBe(EXIT_CODES.usage);
  // Checked as the flag is parsed, before the thread's settings, a store or a kernel.
  expect(r.stderr).toContain('--action-format must be one of code, json, text (got "yaml")');
});
