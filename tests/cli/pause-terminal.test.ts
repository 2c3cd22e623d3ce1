/**
 * Ctrl-C (and SIGTERM, SIGHUP) at each moment a run can wait on something else: a model call that
 * never answers, a tool server that never finishes starting, the approval prompt, a chat turn. Each
 * time the run pauses, prints how to resume and the process exits (it has nothing left open: no
 * spinner, no request, no tool server, no kernel container); a second Ctrl-C always exits.
 * Real CLI on a pseudo-terminal, a local OpenAI-compatible server that never answers.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/fake-openai";
import { type AtTerminal, codeactAtTerminal, trajectory, waitFor } from "./helpers";

jest.setTimeout(180_000);

const containersOf = (thread: string) => execFileSync("docker", ["ps", "-a", "-q", "--filter", `label=codeact.thread=${thread}`], { encoding: "utf8" }).trim();
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
/** What the terminal shows after `marker`, escape sequences and carriage returns removed. */
const after = (screen: string, marker: string) => screen.slice(screen.indexOf(marker)).replace(/\x1b\[[0-9;?]*[A-Za-z]/g, "");

/** The exit, or a failure naming what the terminal showed: far sooner than any limit of the run's own. */
async function exited(t: AtTerminal, ms = 60_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running ${ms / 1000} s after the pause\n--- screen ---\n${after(t.output(), "thread")}`)), ms)));
  try {
    return (await Promise.race([t.exit, late])).code;
  } finally {
    clearTimeout(timer);
  }
}

describe("pausing at a terminal", () => {
  let home: string;
  let model: FakeOpenAI;
  let t: AtTerminal | undefined;
  beforeAll(async () => void (model = await startFakeOpenAI([{ misbehave: "hang" }], { repeatLast: true })));
  afterAll(() => model.close());
  beforeEach(() => void (home = mkdtempSync(join(tmpdir(), "codeact-pause-"))));
  afterEach(() => {
    if (t?.child.exitCode === null) t.child.kill("SIGKILL");
    t = undefined;
    rmSync(home, { recursive: true, force: true });
  });
  const waitScreen = (what: RegExp, ms = 90_000) => waitFor(() => what.test(t!.output()), ms, `${what} on the screen\n--- screen ---\n${t!.output()}`);
  // The request would time out by itself only after an hour: the exit must come from the pause.
  const modelRun = (thread: string, executor: string, extra: string[] = []) =>
    codeactAtTerminal(["run", "hello", "--base-url", model.baseUrl, "--api-key", "k", "--model-timeout", "3600", "--executor", executor, "--thread", thread, ...extra], { CODEACT_HOME: home });

  it("Ctrl-C while the model is thinking: paused, resume command, exit 130, the spinner gone, no kernel container left", async () => {
    t = modelRun("pause-model", "docker");
    await waitScreen(/planner is thinking/);
    t.type("\x03");
    expect(await exited(t)).toBe(130);
    const rest = after(t.output(), "Pausing on SIGINT");
    expect(rest).toContain("Paused. Resume with: codeact resume pause-model");
    expect(rest.slice(rest.indexOf("Paused."))).not.toContain("thinking");
    expect(containersOf("pause-model")).toBe("");
  });

  it.each([
    ["SIGTERM", 143],
    ["SIGHUP", 129],
  ] as const)("%s while the model is thinking: paused and exits %i", async (signal, code) => {
    t = modelRun(`pause-${signal.toLowerCase()}`, "local");
    await waitScreen(/planner is thinking/);
    const pid = t.pid();
    process.kill(pid, signal);
    expect(await exited(t)).toBe(code);
    expect(after(t.output(), "Pausing")).toContain(`Paused. Resume with: codeact resume pause-${signal.toLowerCase()}`);
    expect(alive(pid)).toBe(false);
  });

  it("a second Ctrl-C right after the first exits at once", async () => {
    t = modelRun("pause-twice", "local");
    await waitScreen(/planner is thinking/);
    t.type("\x03");
    await waitScreen(/Pausing on SIGINT/);
    t.type("\x03");
    expect(await exited(t)).toBe(130);
  });

  it("Ctrl-C while an MCP server hangs at start-up: paused without waiting out the start-up limit; the server is stopped", async () => {
    const pidFile = join(home, "mcp.pid");
    // Never answers the handshake, and ignores the terminal's SIGINT: only codeact's close stops it.
    const server = join(home, "hang.js");
    writeFileSync(server, `require("fs").writeFileSync(${JSON.stringify(pidFile)}, String(process.pid)); process.on("SIGINT", () => {}); setInterval(() => {}, 1000);`);
    const config = join(home, "mcp.json");
    writeFileSync(config, JSON.stringify({ mcpServers: { hang: { command: process.execPath, args: [server] } } }));
    writeFileSync(join(home, "none.json"), trajectory([]));
    t = codeactAtTerminal(["run", "hello", "--mcp", config, "--scripted", join(home, "none.json"), "--executor", "local", "--thread", "pause-mcp"], { CODEACT_HOME: home, CODEACT_MCP_START_TIMEOUT_MS: "3600000" });
    await waitFor(() => existsSync(pidFile) && readFileSync(pidFile, "utf8") !== "", 60_000, "the MCP server to start");
    const mcpPid = Number(readFileSync(pidFile, "utf8"));
    t.type("\x03");
    expect(await exited(t)).toBe(130);
    expect(after(t.output(), "Pausing on SIGINT")).toContain("Paused. Resume with: codeact resume pause-mcp");
    await waitFor(() => !alive(mcpPid), 10_000, "the MCP server to be stopped");
  });

  it("Ctrl-C at the approval prompt: paused, exit 130", async () => {
    const script = join(home, "s.json");
    writeFileSync(script, trajectory(['print("never run")']));
    t = codeactAtTerminal(["run", "hello", "--approve", "--scripted", script, "--executor", "local", "--thread", "pause-approve"], { CODEACT_HOME: home });
    await waitScreen(/\[a\]pprove, \[e\]dit, \[r\]eject\? /);
    t.type("\x03");
    expect(await exited(t)).toBe(130);
    const rest = after(t.output(), "[r]eject?");
    expect(rest).toContain("Paused. Resume with: codeact resume pause-approve");
    expect(rest).not.toContain("never run\r\n");
  });

  it("chat: Ctrl-C while the model is thinking comes back to a clean prompt; Ctrl-D leaves with the resume hint", async () => {
    t = codeactAtTerminal(["chat", "--base-url", model.baseUrl, "--api-key", "k", "--model-timeout", "3600", "--executor", "local", "--thread", "pause-chat"], { CODEACT_HOME: home });
    await waitScreen(/you> /);
    t.type("hello\r");
    await waitScreen(/planner is thinking/);
    t.type("\x03");
    await waitScreen(/Paused\. Press Enter[^]*you> /);
    // Nothing repaints over the prompt: the spinner stopped with the turn.
    await new Promise((r) => setTimeout(r, 1_000));
    expect(after(t.output(), "Paused. Press Enter")).not.toContain("thinking");
    t.type("\x04");
    expect(await exited(t)).toBe(130);
    expect(t.output()).toContain("A turn is paused. Resume with: codeact resume pause-chat");
  });
});
