/**
 * `codeact chat` at a real pseudo-terminal: two turns on one thread and one kernel, Ctrl-C during a
 * turn pauses it and returns to the prompt, Enter continues it, Ctrl-D leaves.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { codeactAtTerminal, waitFor } from "./helpers";

jest.setTimeout(300_000);

const PROMPT = "you> ";

/** codeact on a pseudo-terminal (one node process, so the terminal's Ctrl-C reaches it as SIGINT). */
function atTerminal(args: string[], env: NodeJS.ProcessEnv) {
  const t = codeactAtTerminal(args, env);
  return { child: t.child, screen: t.output, type: t.type, exit: t.exit.then((e) => e.code) };
}

const prompts = (screen: string) => screen.split(PROMPT).length - 1;

describe("codeact chat", () => {
  let home: string;
  let child: ChildProcess | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-chat-"));
  });
  afterEach(() => {
    if (child?.exitCode === null) child.kill("SIGKILL");
    rmSync(home, { recursive: true, force: true });
  });

  test("two turns share one kernel; Ctrl-C pauses a turn back to the prompt, Enter resumes it; Ctrl-D leaves", async () => {
    const script = join(home, "chat.json");
    // One script for the whole chat: the scripted models are made once per session.
    writeFileSync(
      script,
      JSON.stringify({
        planner: ['{"steps": [{"description": "set x", "doneCriterion": "printed"}]}', '{"steps": [{"description": "print x + 1", "doneCriterion": "printed"}]}'],
        coder: [
          // Sleeps only the first time (the marker file outlives a kernel restart): Ctrl-C comes during it.
          // The marker is on the host (a local kernel), so it outlives the kernel: the cell interrupted by
          // Ctrl-C is not recorded, and continuing may rebuild the kernel and run it again (no second sleep).
          `<execute>\nimport os, time\nx = 41\nif not os.path.exists(${JSON.stringify(join(home, "slept"))}):\n    open(${JSON.stringify(join(home, "slept"))}, 'w').close()\n    print('sl' + 'eeping', flush=True)\n    time.sleep(120)\nprint('x is', x)\n</execute>\n<step_done/>`,
          "<solution>x is 41</solution>",
          "<execute>\nprint(x + 1)\n</execute>\n<step_done/>",
          "<solution>42</solution>",
        ],
        critic: ['{"verdict": "next"}', '{"verdict": "done", "answer": "x is 41"}', '{"verdict": "next"}', '{"verdict": "done", "answer": "42"}'],
      }),
    );
    const t = atTerminal(["chat", "--scripted", script, "--executor", "local", "--thread", "chat-1"], { CODEACT_HOME: home });
    child = t.child;
    const wait = (check: () => boolean, ms: number, what: string) => waitFor(check, ms, what).catch((err: Error) => {
      err.message += `\n--- screen ---\n${t.screen()}`;
      throw err;
    });
    await wait(() => prompts(t.screen()) >= 1, 60_000, "the first prompt");
    t.type("Set x to 41\r");
    await wait(() => /sleeping\r?\n/.test(t.screen()), 120_000, "the sleeping cell");
    t.type("\x03");
    await wait(() => /Paused\. Press Enter/.test(t.screen()) && prompts(t.screen()) >= 2, 120_000, "the pause and the prompt again");
    // A new request while paused is refused (nothing discarded); Enter continues the turn.
    t.type("something else\r");
    await wait(() => /a new request would discard it/.test(t.screen()) && prompts(t.screen()) >= 3, 60_000, "the refusal");
    t.type("\r");
    await wait(() => /Answer: x is 41/.test(t.screen()) && prompts(t.screen()) >= 4, 120_000, "turn 1's answer");
    const rebuiltAfterTurn1 = (t.screen().match(/Kernel rehydrated/g) ?? []).length;
    t.type("Now print x plus one\r");
    await wait(() => /Answer: 42/.test(t.screen()) && prompts(t.screen()) >= 5, 120_000, "turn 2's answer");
    t.type("\x04");
    expect(await t.exit).toBe(0);
    const screen = t.screen();
    expect(screen).toMatch(/Turn 2: Now print x plus one/);
    expect(screen).toMatch(/^42\r?$/m);
    // The kernel was kept for turn 2: nothing was replayed for it.
    expect((screen.match(/Kernel rehydrated/g) ?? []).length).toBe(rebuiltAfterTurn1);

    const store = await createCheckpointer({ kind: "sqlite", path: join(home, "checkpoints.sqlite") });
    try {
      const state = await readThreadState(store.saver, "chat-1");
      expect(state).toMatchObject({ task: "Set x to 41", turn: 1, request: "Now print x plus one", status: "done", answer: "42" });
      expect(state.turns).toMatchObject([{ index: 0, request: "Set x to 41", answer: "x is 41", status: "done" }]);
      expect(state.cells.map((c) => c.result.stdout)).toEqual(["x is 41\n", "42\n"]);
    } finally {
      await store.close();
    }
  });
});
