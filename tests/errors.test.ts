/**
 * One error base: every error codeact throws on purpose is a CodeActError with a stable code, and
 * the CLI exits with that code's number from one table, wording library hints as its own flags.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UsageError } from "../cli/flags";
import { cliMessage, reportFailure } from "../cli/errors";
import { EXIT_CODES } from "../cli/exit-codes";
import { CodeActError, ERROR_CODES, errorCodeOf } from "../errors";
import { ArtifactLimitError } from "../checkpoints/artifacts/store";
import { CheckpointWriteError } from "../checkpoints/guard";
import { LockLostError, ThreadBusyError } from "../checkpoints/lock";
import { InvalidThreadIdError } from "../checkpoints/thread-id";
import { InputError } from "../executors/workspace/inputs";
import { KernelClosedError } from "../executors/jupyter/client";
import { OutputReadError, OutputTooLargeError } from "../executors/workspace/outputs";
import { ExecutorUnavailableError } from "../executors/types";
import { NotWaitingError, TurnInProgressError } from "../graphs/run";
import { PolicyError } from "../graphs/server-policy";
import { ModelCallError, WallClockError } from "../nodes/models/model-errors";
import { ProviderSetupError } from "../nodes/models/providers";
import { checkToolModulePath, ToolSourceError } from "../tools/modules";
import { HOW_TO_START } from "../executors/docker-engine";
import { readMcpConfigFile } from "../tools/mcp-config";
import { loadInputs } from "../checkpoints/artifacts/inputs";
import { checkPipIndex } from "../executors/image/pip-index";
import { createRoleModels } from "../nodes/models/models";
import { exportTrajectories } from "../exports/trajectory";
import { codeact } from "./cli/helpers";

describe("CodeActError", () => {
  it("joins the problem and the hint into the message, and keeps both", () => {
    const err = new CodeActError("not_found", "No thread x.", { hint: "listThreads() lists the runs.", step: "list_threads" });
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toBe("No thread x. listThreads() lists the runs.");
    expect({ code: err.code, problem: err.problem, hint: err.hint, step: err.step }).toEqual({ code: "not_found", problem: "No thread x.", hint: "listThreads() lists the runs.", step: "list_threads" });
    expect(new CodeActError("usage", "Bad.").message).toBe("Bad.");
  });

  it("every error class is a CodeActError with its code, and keeps its name and message", () => {
    const cases: [Error, string, string][] = [
      [new UsageError("u"), "UsageError", "usage"],
      [new InvalidThreadIdError(".x"), "InvalidThreadIdError", "usage"],
      [new PolicyError("p"), "PolicyError", "usage"],
      [new InputError("i"), "InputError", "usage"],
      [new OutputReadError("o"), "OutputReadError", "not_found"],
      [new OutputTooLargeError("a.csv", 10, 5), "OutputTooLargeError", "limit"],
      [new NotWaitingError("n"), "NotWaitingError", "conflict"],
      [new TurnInProgressError("t1", ["executor"]), "TurnInProgressError", "conflict"],
      [new ThreadBusyError("t1", "pid 1"), "ThreadBusyError", "conflict"],
      [new WallClockError(3000), "WallClockError", "budget"],
      [new CheckpointWriteError("c"), "CheckpointWriteError", "limit"],
      [new ArtifactLimitError("a"), "ArtifactLimitError", "limit"],
      [new ProviderSetupError("m"), "ProviderSetupError", "model"],
      [new KernelClosedError("gone"), "KernelClosedError", "sandbox"],
      [new ExecutorUnavailableError("No engine.", "Start Docker."), "ExecutorUnavailableError", "sandbox"],
      [new LockLostError("t1", "reset"), "LockLostError", "store"],
      [new ToolSourceError("t"), "ToolSourceError", "tool"],
    ];
    for (const [err, name, code] of cases) {
      expect([name, err instanceof CodeActError, err.name, errorCodeOf(err)]).toEqual([name, true, name, code]);
    }
    expect(new OutputTooLargeError("a.csv", 10, 5)).toBeInstanceOf(OutputReadError);
    expect(new ExecutorUnavailableError("No engine.", "Start Docker.").message).toBe("No engine.\nStart Docker.");
    expect(new ThreadBusyError("t1", "pid 1").message).toBe("Thread t1 is being run by pid 1. Wait for that run to finish (or stop it) before resuming; a second run would duplicate its cells.");
  });

  it("anything not thrown on purpose is internal", () => {
    expect(errorCodeOf(new Error("boom"))).toBe("internal");
    expect(errorCodeOf(Object.assign(new Error("x"), { code: "usage" }))).toBe("internal");
    expect(errorCodeOf("a string")).toBe("internal");
  });
});

describe("the CLI's exit codes and wording", () => {
  it("each code has its own exit code, none of them an outcome's (0 done, 2 no answer, 3 waiting) but budget's", () => {
    const numbers = ERROR_CODES.map((c) => EXIT_CODES[c]);
    expect(new Set(numbers).size).toBe(ERROR_CODES.length);
    expect(EXIT_CODES.internal).toBe(1);
    expect(EXIT_CODES.budget).toBe(2);
    expect(numbers).not.toContain(0);
    expect(numbers).not.toContain(3);
    for (const n of numbers) expect(n).toBeLessThan(128); // above are signals
  });

  it("a library hint becomes the flag or command a person types, and what was added after it stays", () => {
    const err = new CodeActError("not_found", 'Thread "t1" has no checkpoint "c".', { hint: "threadHistory() lists them.", step: "list_checkpoints", subject: "t1" });
    expect(cliMessage(err)).toBe('Thread "t1" has no checkpoint "c". `codeact history t1` lists them.');
    const turn = new TurnInProgressError("t2", ["executor"]);
    expect(turn.message).toContain('runCodeAct(graph, null, { threadId: "t2" })');
    turn.message += "\nmore";
    expect(cliMessage(turn)).toBe("Thread t2 has a turn in progress (next: executor); a new request would discard it. Resume it first (codeact resume t2), then send the follow-up.\nmore");
    const lines: string[] = [];
    expect(reportFailure(new UsageError("--x is bad"), (l) => lines.push(l))).toBe(EXIT_CODES.usage);
    expect(reportFailure(new Error("boom\u001b[2J"), (l) => lines.push(l))).toBe(EXIT_CODES.internal);
    expect(lines[0]).toBe("codeact: --x is bad");
    expect(lines[1]).not.toContain("\u001b");
  });

  it("library messages name settings and calls, never flags; the CLI says each with the flag a person types", async () => {
    const dir = mkdtempSync(join(tmpdir(), "codeact-wording-"));
    const thrown = async (f: () => unknown): Promise<CodeActError> => {
      try {
        await f();
      } catch (err) {
        if (err instanceof CodeActError) return err;
        throw err;
      }
      throw new Error("nothing was thrown");
    };
    const savedKey = process.env.ANTHROPIC_API_KEY;
    delete process.env.ANTHROPIC_API_KEY;
    try {
      const cases: [CodeActError, RegExp, string | RegExp][] = [
        [new ExecutorUnavailableError("No Docker engine answers at x.", HOW_TO_START, "start_docker"), /explicit `executor: "local"` setting runs code: an UNSANDBOXED/, /^No Docker engine answers at x\.\n.*explicit `--executor local` runs code: an UNSANDBOXED/s],
        [await thrown(() => createRoleModels({ model: "gpt-4o-mini" })), /give apiKey \/ baseUrl; .*"anthropic:claude-sonnet-4-5"/, "No model endpoint: set OPENAI_API_KEY (OpenAI) or OPENAI_BASE_URL (any OpenAI-compatible server such as vLLM or Ollama), or pass --api-key/--base-url; or name another provider's model, such as --model anthropic:claude-sonnet-4-5."],
        [await thrown(() => checkToolModulePath("nope.ts", dir)), /^Tool module nope\.ts: no such file/, `--tools nope.ts: no such file (${join(dir, "nope.ts")}).`],
        [await thrown(() => readMcpConfigFile(join(dir, "none.json"))), /^MCP config .*none\.json: cannot read it/, `--mcp ${join(dir, "none.json")}: cannot read it (no such file).`],
        [await thrown(() => loadInputs([{ name: "a.csv", sha256: "f".repeat(64), size: 1 } as never], undefined)), /give it again as an input \(RunOptions\.inputs\)\.$/, /; give it again with --input\.$/],
        [await thrown(() => checkPipIndex({ PIP_INDEX_URL: "http://127.0.0.1:9/simple" })), /^pip packages need a Python package index, and http:\/\/127\.0\.0\.1:9\/simple cannot be reached .*python3-<name>/, /^--pip needs a Python package index, and http:\/\/127\.0\.0\.1:9\/simple cannot be reached \(.*\)\. Set PIP_INDEX_URL .*: --with python3-<name> \(apt-cache search python3-\)\.$/],
        [await thrown(() => exportTrajectories("t", "csv", "all" as never, undefined, { kind: "memory" })), /^The trajectory format must be openai-chat/, '--format must be openai-chat, sharegpt or jsonl for a conversation, not "csv"'],
        [new NotWaitingError("Thread t is not waiting for an answer", { hint: "(it waits for an approval of a code action: resume it with onApproval, without an answer).", step: "resume_with_approval", subject: "t" }), /onApproval/, "Thread t is not waiting for an answer (it waits for an approval of a code action: resume it with --approve, without --answer)."],
        [new ProviderSetupError('A base URL is not supported for the provider "cohere" (codeact knows no base-URL option of its package).', { hint: "Leave baseUrl out to use the provider's own endpoint.", step: "drop_base_url", subject: "cohere" }), /Leave baseUrl out/, /^--base-url is not supported for the provider "cohere" .*Leave it out/],
        [await thrown(() => createRoleModels({ model: "anthropic:claude-x" })), /Set ANTHROPIC_API_KEY, or give apiKey\.$/, /Anthropic API key not found\. Set ANTHROPIC_API_KEY, or pass --api-key\.$/],
        [
          new ModelCallError(createRoleModels({ model: "m", baseUrl: "http://127.0.0.1:9/v1", apiKey: "k" }).coder, Object.assign(new Error("Connection error."), { cause: { code: "ECONNREFUSED" } })),
          /^Could not reach the model at http:\/\/127\.0\.0\.1:9\/v1 .*check OPENAI_BASE_URL or the baseUrl option\.$/,
          /^Could not reach the model at http:\/\/127\.0\.0\.1:9\/v1 .*check OPENAI_BASE_URL \/ --base-url\.$/,
        ],
        [new ExecutorUnavailableError("Could not start a kernel on x: boom", "Check that the Jupyter server / gateway is running and reachable, and that its token (token auth) is right.", "check_remote_server"), /its token/, /^Could not start a kernel on x: boom\n.*--remote-token \(token auth\)/s],
      ];
      for (const [err, library, cli] of cases) {
        expect(err.message).toMatch(library);
        // codeact's own flags (a shell command such as dockerd's may keep its own)
        expect(err.message).not.toMatch(/--(executor|api-key|base-url|model|tools|mcp|input|format|pip|with|approve|answer)\b/);
        if (typeof cli === "string") expect(cliMessage(err)).toBe(cli);
        else expect(cliMessage(err)).toMatch(cli);
      }
    } finally {
      if (savedKey !== undefined) process.env.ANTHROPIC_API_KEY = savedKey;
      rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);

  describe("through the real command", () => {
    let home: string;
    beforeAll(() => {
      home = mkdtempSync(join(tmpdir(), "codeact-errors-"));
    });
    afterAll(() => rmSync(home, { recursive: true, force: true }));

    it("a flag commander does not know is a usage error", async () => {
      const r = await codeact(["run", "x", "--no-such-flag"], { CODEACT_HOME: home });
      expect(r.code).toBe(EXIT_CODES.usage);
      expect(r.stderr).toContain("unknown option '--no-such-flag'");
    }, 60_000);

    it("a bad value is a usage error; help is no failure", async () => {
      const r = await codeact(["run", "x", "--max-iterations", "0", "--memory"], { CODEACT_HOME: home });
      expect(r.code).toBe(EXIT_CODES.usage);
      expect((await codeact(["--help"], { CODEACT_HOME: home })).code).toBe(0);
    }, 60_000);

    it("an unknown thread is not found, with the CLI's own next step", async () => {
      const history = await codeact(["history", "nosuch"], { CODEACT_HOME: home });
      expect(history.code).toBe(EXIT_CODES.not_found);
      expect(history.stderr.trim()).toBe('codeact: No checkpoints for thread "nosuch". `codeact threads` lists the runs.');
      const exp = await codeact(["export", "nosuch"], { CODEACT_HOME: home });
      expect(exp.code).toBe(EXIT_CODES.not_found);
      expect(exp.stderr.trim()).toBe('codeact: No run with thread id "nosuch" in this checkpoint store. `codeact threads` lists the runs.');
    }, 60_000);

    it("the remote executor without a URL is refused in flag terms", async () => {
      const r = await codeact(["run", "x", "--executor", "remote", "--memory"], { CODEACT_HOME: home });
      expect(r.code).toBe(EXIT_CODES.usage);
      expect(r.stderr.trim()).toBe("codeact: --executor remote needs --remote-url (a Jupyter Server, Kernel Gateway or Enterprise Gateway URL).");
    }, 60_000);
  });
});
