/** Untrusted text reaches the terminal inert: what is shown is what is there, and nothing acts. */
import { PassThrough } from "node:stream";
import { inert, inertJson } from "../../exports/inert";
import { jsonRenderer, terminalRenderer } from "../../cli/render";

// Every byte a terminal could obey: C0 but \t and \n, DEL, C1 (0x9b is CSI), bidi controls.
const OBEYED = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

describe("inert terminal text", () => {
  it("shows control characters and bidi overrides as visible stand-ins; keeps newlines, tabs and plain text", () => {
    expect(inert("a\x1b[2K\x1b[1Ab")).toBe("a␛[2K␛[1Ab");
    expect(inert("\x1b]52;c;cHduZWQ=\x07")).toBe("␛]52;c;cHduZWQ=␇");
    expect(inert("\x9b31m")).toBe("<U+009B>31m");
    expect(inert("ok\rno\bx")).toBe("ok␍no␈x");
    expect(inert("line\r\nnext\tcol")).toBe("line\nnext\tcol");
    expect(inert('if access_level != "user\u202e \u2066// admin\u2069 \u2066"')).toBe('if access_level != "user<U+202E> <U+2066>// admin<U+2069> <U+2066>"');
    expect(inert("héllo — ✓ 日本")).toBe("héllo — ✓ 日本");
    let all = "";
    for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) all += String.fromCharCode(c);
    expect(inert(all)).not.toMatch(OBEYED);
  });

  it("JSON lines keep the same value but carry no raw C1 or bidi character (JSON.stringify leaves them raw)", () => {
    const value = { s: "\x1b[31m \x9b31m \u202e" };
    expect(JSON.stringify(value)).toMatch(OBEYED);
    const json = inertJson(JSON.stringify(value));
    expect(json).not.toMatch(OBEYED);
    expect(JSON.parse(json)).toEqual(value);
  });

  it("the terminal renderer shows hostile code, output, tool calls, critiques and answers inert", () => {
    const out = new PassThrough();
    let screen = "";
    out.on("data", (d: Buffer) => (screen += d.toString()));
    const render = terminalRenderer("/nonexistent", out);
    const evil = "\x1b]0;title\x07\x9b2J\u202e";
    render({ type: "plan", steps: [{ description: `plan ${evil}`, doneCriterion: evil }], replan: false });
    render({ type: "action", step: 0, attempt: 0, code: `print(1)\nrm -rf /  # \x1b[1A\x1b[2K`, thought: `thought ${evil}` });
    render({ type: "output", event: { type: "stream", name: "stdout", text: `out ${evil}\n` } });
    render({ type: "output", event: { type: "stream", name: "stderr", text: `err ${evil}\n` } });
    render({
      type: "cell",
      cell: {
        id: "c1",
        step: 0,
        attempt: 0,
        code: "",
        startedAt: "",
        result: {
          status: "error",
          stdout: "",
          stderr: "",
          results: [{ kind: "execute_result", data: { "text/plain": `value ${evil}` } }],
          error: { ename: `E${evil}`, evalue: `v${evil}`, traceback: [] },
          toolCalls: [{ name: `tool${evil}`, args: { q: evil }, error: `bad ${evil}`, durationMs: 1 }],
          durationMs: 1,
        },
      } as never,
    });
    render({ type: "invalid_output", reason: `reason ${evil}`, count: 1 });
    render({ type: "proposed_answer", answer: `proposed ${evil}` });
    render({ type: "critique", step: 0, verdict: "next", feedback: `feedback ${evil}` });
    render({ type: "finished", status: "done", answer: `answer ${evil}`, detail: "" });
    render({ type: "finished", status: "wall_clock", answer: null, detail: `detail ${evil}` });
    expect(screen).toContain("rm -rf /  # ␛[1A␛[2K");
    for (const word of ["plan", "thought", "out", "err", "value", "tool", "bad", "reason", "proposed", "feedback", "answer", "detail"]) {
      expect([word, screen.includes(`${word} ␛]0;title␇<U+009B>2J<U+202E>`) || screen.includes(`${word}␛]0;title␇`)]).toEqual([word, true]);
    }
    // Our own colours (SGR sequences) are the only escapes; the run's text brings none.
    expect(screen.replace(/\x1b\[[0-9;]*m/g, "")).not.toMatch(OBEYED);
  });

  it("--json output carries no raw control or bidi characters from cell output", () => {
    const write = process.stdout.write;
    let printed = "";
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    try {
      jsonRenderer("/nonexistent")({ type: "output", event: { type: "stream", name: "stdout", text: "\x1b]0;t\x07\x9b2J\u202e" } });
    } finally {
      process.stdout.write = write;
    }
    expect(printed).not.toMatch(OBEYED);
    expect(JSON.parse(printed)).toMatchObject({ event: { text: "\x1b]0;t\x07\x9b2J\u202e" } });
  });
});
