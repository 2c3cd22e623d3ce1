/** The conversation's pure parts: which entries a state implies, and what a request shows after compactions. */
import type { Cell } from "../../graphs/state/cell";
import type { Message } from "../../graphs/state/message";
import type { CodeActStateValue } from "../../graphs/state/state";
import { activeMessages, compactionCut, pendingMessages } from "../../nodes/prompting/conversation";

const cell = (id: string, code: string, status: "ok" | "error" = "ok"): Cell => ({
  id,
  step: 0,
  attempt: 0,
  code,
  startedAt: "2026-01-01T00:00:00Z",
  result: { status, stdout: "", stderr: "", results: [], toolCalls: [], durationMs: 1, truncated: false, ...(status === "error" ? { error: { ename: "NameError", evalue: "x", traceback: [] } } : {}) } as unknown as Cell["result"],
});
const state = (over: Partial<CodeActStateValue>): CodeActStateValue => ({ task: "T", plan: [{ description: "a", doneCriterion: "" }], currentStep: 0, cells: [], messages: [], critiques: [], observation: "", replans: 0, ...over }) as CodeActStateValue;
const user = (content: string, kind: Message["kind"] = "feedback"): Message => ({ role: "user", kind, content });
const reply = (content: string): Message => ({ role: "assistant", kind: "reply", content });

describe("conversation entries", () => {
  it("starts with the task and the plan, then adds only what is new", () => {
    const first = pendingMessages(state({}));
    expect(first.map((m) => m.kind)).toEqual(["task", "plan"]);
    const messages = [...first, reply("<execute>x=1</execute>")];
    const later = pendingMessages(state({ messages, cells: [cell("c1", "x = 1")], observation: "A person edited your action before it ran." }));
    expect(later.map((m) => [m.kind, m.ref])).toEqual([["observation", "c1"], ["decision", undefined]]);
    // The next step arrives as a focus message; the plan is not repeated.
    const next = pendingMessages(state({ messages: [...messages, ...later], cells: [cell("c1", "x = 1")], currentStep: 1, plan: [{ description: "a", doneCriterion: "" }, { description: "b", doneCriterion: "" }] }));
    expect(next).toEqual([{ role: "user", kind: "plan", ref: "plan:0:1", content: "Current step 2: b" }]);
  });

  it("a thread begun before the conversation was kept starts it with a digest of its cells", () => {
    const [task] = pendingMessages(state({ cells: [cell("c1", "rows = load()\nprint(rows)"), cell("c2", "bad()", "error")] }));
    expect(task!.content).toMatch(/^Task: T\n\nEarlier work on this task[\s\S]*2 code actions \(1 ok, 1 failed\)[\s\S]*In the kernel: rows/);
  });

  it("after a summary a request shows it, then the kept entries and the later ones; summaries are never repeated", () => {
    const m: Message[] = [user("task", "task"), reply("r1"), user("o1"), reply("r2"), user("o2"), reply("r3"), user("o3")];
    const cut = compactionCut(m, 2)!;
    expect(m[cut]!.content).toBe("r2");
    const s1: Message = { role: "user", kind: "summary", content: "S1", replaces: cut };
    const after = [...m, s1, reply("r4"), user("o4")];
    expect(activeMessages(after).map((x) => x.content)).toEqual(["S1", "r2", "o2", "r3", "o3", "r4", "o4"]);
    // A second compaction cuts only after the first summary.
    const cut2 = compactionCut(after, 1)!;
    expect(after[cut2]!.content).toBe("r4");
    const s2: Message = { role: "user", kind: "summary", content: "S2", replaces: cut2 };
    expect(activeMessages([...after, s2]).map((x) => x.content)).toEqual(["S2", "r4", "o4"]);
    expect(compactionCut([...after, s2], 2)).toBeUndefined();
  });
});
