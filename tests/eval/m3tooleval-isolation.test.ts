/**
 * #18 item 4: a task's kernel holds that task's tools and nothing that tells the answer. A model's
 * code action hunts for expected outputs every way it can (task objects on the heap, the tools'
 * module globals, sys.modules, files in the kernel, the checker) and finds none; the task still
 * scores as it would.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BaseMessage } from "@langchain/core/messages";
import { runEval } from "../../eval/run";
import { resolveSuite } from "../../eval/suite";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";

const beside = join(__dirname, "..", "..", "..", "shared", "m3tooleval");
const dir = process.env.CODEACT_M3TOOLEVAL_DIR ?? (existsSync(beside) ? beside : undefined);
const ORACLES = JSON.parse(readFileSync(join(__dirname, "m3tooleval-oracles.json"), "utf8")) as Record<string, string>;
const executor = { kind: "docker" as const, limits: { memoryMb: 256, pidsLimit: 64, cpus: 1, workspaceMb: 64 } };

/** Everything a hostile action might try; prints one line: HUNT [] when nothing was found. */
const HUNT = String.raw`
import gc, os, sys, types
found = []
for o in gc.get_objects():
    try:
        d = object.__getattribute__(o, "__dict__") if not isinstance(o, dict) else o
    except Exception:
        continue
    if isinstance(d, dict) and ("expected_output" in d or "TASKS" in d or "check_answer" in d or "task_iterators" in d):
        found.append("heap:" + type(o).__name__)
found += ["module:" + m for m in sys.modules if m == "tasks" or m.startswith("tasks.")]
# Actions run in upstream's REPL (a shell of their own): the kernel's namespace is looked at too.
spaces = [globals(), vars(sys.modules["__main__"])] + [o for o in gc.get_objects() if isinstance(o, dict) and "_ce_call" in o]
for space in spaces:
    for name, v in list(space.items()):
        if isinstance(v, types.FunctionType) and name.startswith("_ce_") and ("check" in name or "load" in name or "list" in name):
            found.append("checker:" + name)
for base in (os.getcwd(), "/workspace", "/tmp", os.path.expanduser("~")):
    for d, _, files in os.walk(base):
        for f in files:
            try:
                if b"expected_output" in open(os.path.join(d, f), "rb").read():
                    found.append("file:" + os.path.join(d, f))
            except OSError:
                pass
print("HUNT", sorted(set(found)))
`;

if (!dir) {
  it.skip("M3ToolEval isolation (set CODEACT_M3TOOLEVAL_DIR to run)", () => undefined);
} else {
  it("a task kernel holds no task objects, expected outputs or checker, and still scores", async () => {
    const out = mkdtempSync(join(tmpdir(), "codeact-m3-iso-"));
    try {
      const ids = ["trade_calculator/estimate_final_value", "cryptobotanists_plant_dna_sequencer/validate_transcribe_translate"];
      const hunts: string[] = [];
      const obs = (m: BaseMessage[]) => String(m.at(-1)?.content ?? "").trim();
      const oracle: Record<string, string> = { ...ORACLES, "trade_calculator/estimate_final_value": "print(estimate_final_value(150, calculate_tariff(150, 7.5)))" };
      const report = await runEval({
        suite: resolveSuite("m3tooleval", dir),
        formats: ["code"],
        agent: "paper",
        modelFor: (task) =>
          new ScriptedChatModel({
            script: [`Action:\n${HUNT}\nEnd Action`, (m) => (hunts.push(obs(m)), `Action:\n${oracle[task.id]}\nEnd Action`), (m) => `Answer: ${obs(m)}`],
          }),
        out,
        filter: new RegExp(`^(${ids.map((id) => id.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})$`),
        executor,
        checkpointer: { kind: "sqlite", path: join(out, "c.sqlite") },
      });
      expect(hunts).toEqual(["HUNT []", "HUNT []"]);
      expect(report.results.map((r) => [r.taskId, r.correct]).sort()).toEqual(ids.map((id) => [id, true]).sort());
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  }, 300_000);
}
