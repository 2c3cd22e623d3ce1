/**
 * The thread view of a real thread: the graph run with scripted models on the Docker kernel, in
 * approval mode, with SQLite checkpoints and artifacts; two turns, a self-debug, an edit, a
 * rejection, a question and an output file, each found where it happened.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import type { Approval, ApprovalRequest } from "../../graphs/state/state";
import { readThreadState } from "../../graphs/threads";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { threadView, turnEntries, type ViewEntry } from "../../exports/view";
import { viewHtml } from "../../exports/html";
import { viewNotebook } from "../../exports/notebook";
import { viewTurnsText } from "../../cli/turns-text";

const plan = (...steps: string[]) => JSON.stringify({ steps: steps.map((description) => ({ description, doneCriterion: "output shows it" })) });
const verdict = (v: "next" | "done", feedback = "", answer?: string) => JSON.stringify({ verdict: v, feedback, ...(answer ? { answer } : {}) });
const execute = (code: string) => `<execute>\n${code}\n</execute>`;

/** Hostile on purpose: every renderer must show it, not obey it. */
const FEEDBACK = "ask the name first <img src=x onerror=alert(1)>\u001b[2J";

/** The person: edits the first try at x, rejects the stray print, approves the rest. */
async function decide(request: ApprovalRequest): Promise<Approval> {
  if (request.code.includes("x = 41")) return { action: "edit", code: "x = 42\nprint(x)" };
  if (request.code.includes("not this")) return { action: "reject", feedback: FEEDBACK };
  return { action: "approve" };
}

/** An entry in brief, so the test reads as the thread did. */
function brief(e: ViewEntry): string {
  if (e.kind === "cell") return `cell ${e.index} attempt ${e.attempt} ${e.result.status}${e.edited ? " edited" : ""}`;
  if (e.kind === "compaction") return `compaction ${e.index}`;
  if (e.kind === "critique") return `critic ${e.verdict}`;
  if (e.kind === "plan") return `plan ${e.replans}: ${e.text.split("\n")[0]}`;
  return "cell" in e ? `${e.decision} cell ${e.cell}` : e.decision;
}

describe("thread view", () => {
  it("holds turns, steps, cells, decisions, questions and files where they happened", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codeact-view-"));
    const executor = new DockerJupyterExecutor();
    const store = await createCheckpointer({ kind: "sqlite", path: join(dir, "c.sqlite") });
    try {
      const models = {
        planner: new ScriptedChatModel({ script: [plan("set x", "ask the name and write a report"), plan("double x")] }),
        coder: new ScriptedChatModel({
          script: [
            execute("x = 1 / 0"),
            execute("x = 41\nprint(x)"),
            execute("print('not this')"),
            execute('name = ask_user("Which name?")\nopen("/workspace/outputs/report.txt", "w").write(f"{name} {x}")\nprint(name)'),
            execute("print(x * 2)"),
          ],
        }),
        critic: new ScriptedChatModel({ script: [verdict("next", "x is <b>set</b>"), verdict("done", "", "Ada 42"), verdict("done", "", "84")] }),
      };
      const graph = createCodeActGraph({ models, executor, limits: { approve: true, critic: "every-action" }, checkpointer: store.saver, artifacts: store.artifacts });
      const options = { threadId: "view", onApproval: decide, onQuestion: async () => "Ada" };
      const first = await runCodeAct(graph, "the task", { ...options, inputs: [{ name: "data.txt", data: "1 2 3" }] });
      expect(first.answer).toBe("Ada 42");
      const second = await runCodeAct(graph, "now double it", options);
      expect(second.answer).toBe("84");

      const state = await readThreadState(store.saver, "view");
      const view = threadView(state, "view");
      // Plain data: what a web page receives is the same view.
      expect(JSON.parse(JSON.stringify(view))).toEqual(view);
      expect(view).toMatchObject({ threadId: "view", task: "the task", status: "done", answer: "84", cellCount: 4 });
      expect(view.inputs).toEqual([expect.objectContaining({ name: "data.txt", size: 5 })]);
      expect(view.turns.map((t) => [t.index, t.request, t.status, t.answer, t.cellCount, t.current])).toEqual([
        [0, "the task", "done", "Ada 42", 3, false],
        [1, "now double it", "done", "84", 1, true],
      ]);

      const [one, two] = view.turns;
      // Turn 1: the failed first try (approved) and its self-debug retry (edited by the person) in
      // step 1, the critic's verdict after it; the rejection in step 2, then the approved cell that
      // asked the question and wrote the report, and the verdict that ended the turn.
      expect(one!.steps.map((s) => [s.step, s.entries.map(brief)])).toEqual([
        [0, ["plan 0: 1. set x (done when: output shows it)", "approved cell 0", "cell 0 attempt 0 error", "edited cell 1", "cell 1 attempt 1 ok edited", "critic next"]],
        [1, ["rejected", "approved cell 2", "cell 2 attempt 0 ok", "critic done"]],
      ]);
      expect(one!.steps[0]!.entries[3]).toEqual({
        kind: "decision",
        decision: "edited",
        cell: 1,
        proposed: "x = 41\nprint(x)",
        diff: [
          { op: "-", text: "x = 41" },
          { op: "+", text: "x = 42" },
          { op: " ", text: "print(x)" },
        ],
      });
      expect(one!.steps[0]!.entries[5]).toEqual({ kind: "critique", step: 0, verdict: "next", feedback: "x is <b>set</b>" });
      expect(one!.plan).toEqual([]); // an ended turn keeps no structured plan: its plans are the inline entries
      const [, , debug, , edited] = one!.steps[0]!.entries;
      expect(debug).toMatchObject({ kind: "cell", code: "x = 1 / 0", result: { error: { ename: "ZeroDivisionError" } } });
      expect(edited).toMatchObject({ kind: "cell", code: "x = 42\nprint(x)", edited: true, result: { stdout: "42\n" } });
      const [rejected, , asked] = one!.steps[1]!.entries;
      expect(rejected).toEqual({ kind: "decision", decision: "rejected", feedback: FEEDBACK });
      expect(asked).toMatchObject({ kind: "cell", questions: [{ question: "Which name?", answer: "Ada" }], files: [expect.objectContaining({ path: "outputs/report.txt", size: 6 })], result: { stdout: "Ada\n" } });

      // Turn 2: its own plan, its one cell.
      expect(two!.plan.map((s) => s.description)).toEqual(["double x"]);
      expect(two!.steps).toEqual([{ step: 0, description: "double x", doneCriterion: "output shows it", entries: [{ kind: "plan", replans: 0, text: "1. double x (done when: output shows it)" }, { kind: "decision", decision: "approved", cell: 3 }, expect.objectContaining({ kind: "cell", index: 3, code: "print(x * 2)" }), { kind: "critique", step: 0, verdict: "done", feedback: "" }] }]);
      expect(turnEntries(two!).map(brief)).toEqual(["plan 0: 1. double x (done when: output shows it)", "approved cell 3", "cell 3 attempt 0 ok", "critic done"]);

      // Rendered where they happened, hostile text escaped.
      const history = viewTurnsText(view);
      expect(history).toContain("    step 1: a person edited cell 2 before it ran:\n      - x = 41\n      + x = 42\n    step 1: critic: next — x is <b>set</b>");
      expect(history).toContain(`    step 2: a person rejected the action: ${FEEDBACK.replace("\u001b", "\u241b")}\n    step 2: a person approved cell 3\n    step 2: cell 3 asked: Which name? → Ada`);
      expect(history).not.toContain("\u001b");
      const page = viewHtml(view);
      expect(page).toContain("<p class=\"note\">Critic on step 1: <b>next</b> — x is &lt;b&gt;set&lt;/b&gt;</p>");
      expect(page).toContain("A person rejected the proposed action: ask the name first &lt;img src=x onerror=alert(1)&gt;");
      expect(page).toContain('<span class="del">- x = 41</span>\n<span class="add">+ x = 42</span>');
      expect(page).toContain("Asked: Which name?<br>Answer: Ada");
      expect(page).not.toContain("<img src=x");
      const md = viewNotebook(view).cells.filter((c) => c.cell_type === "markdown").map((c) => String(c.source));
      expect(md).toContain("**Critic** on step 1: **next** — x is &lt;b>set&lt;/b>");
      expect(md).toContain("*A person approved the next cell before it ran.*");
      expect(md).toContain("**A person edited the next cell before it ran** (− proposed, + ran):\n\n− x = 41  \n+ x = 42  \n&nbsp;&nbsp; print\\(x\\)");
      expect(md.find((m) => m.startsWith("**A person rejected"))).toContain("&lt;img src=x onerror=alert(1)>");
      expect(md).toContain("**Asked:** Which name?  \n**Answer:** Ada");
      expect(md.some((m) => m.startsWith("## Critiques"))).toBe(false);

      // A thread written before critiques kept their place and cells their approval reads as then:
      // the critiques listed apart, the edit without its diff, no approvals.
      const old = threadView({ ...state, critiques: state.critiques.map(({ turn, afterCells, ...c }) => c), cells: state.cells.map(({ approved, proposed, ...c }) => c) }, "view");
      expect(old.turns.map((t) => turnEntries(t).map(brief))).toEqual([
        ["plan 0: 1. set x (done when: output shows it)", "cell 0 attempt 0 error", "edited cell 1", "cell 1 attempt 1 ok edited", "rejected", "cell 2 attempt 0 ok"],
        ["plan 0: 1. double x (done when: output shows it)", "cell 3 attempt 0 ok"],
      ]);
      expect(viewTurnsText(old)).toContain("a person edited cell 2 before it ran (the proposed code was not recorded)");
      expect(viewNotebook(old).cells.find((c) => c.id === "critiques")?.source).toBe("## Critiques\n\n- step 1: **next** — x is &lt;b>set&lt;/b>\n- step 2: **done**\n- step 1: **done**");
      expect(view.critiques.map((c) => [c.step, c.verdict])).toEqual([[0, "next"], [1, "done"], [0, "done"]]);
    } finally {
      await store.close();
      await executor.shutdown();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});
