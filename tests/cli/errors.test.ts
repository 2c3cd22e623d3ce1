/**
 * How `codeact run` reports what went wrong, as a user sees it (a child process): a hanging model
 * endpoint is cut off by --wall-clock, and a Docker failure is reported as itself, not as the model's.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "../helpers/fake-openai";
import { freePort } from "../helpers/jupyter-server";
import { codeact } from "./helpers";
import { EXIT_CODES } from "../../cli/exit-codes";

describe("codeact run: failures named by their source", () => {
  let home: string;
  let server: FakeOpenAI | undefined;
  beforeEach(() => {
    home = mkdtempSync(join(tmpdir(), "codeact-cli-err-"));
  });
  afterEach(async () => {
    await server?.close();
    server = undefined;
    rmSync(home, { recursive: true, force: true });
  });

  it("a hanging model endpoint stops at --wall-clock with status wall_clock", async () => {
    server = await startFakeOpenAI([{ misbehave: "hang" }], { repeatLast: true });
    const run = await codeact(["run", "x", "--wall-clock", "3", "--executor", "docker", "--thread", "hang"], { CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl });
    expect(run.stdout).toMatch(/Stopped \(wall_clock\)/);
    expect(run.code).toBe(2);
    expect(server.requests).toHaveLength(1);
  }, 90_000);

  it("--model-timeout cuts each attempt at a hanging endpoint; the run is kept and the error names the endpoint", async () => {
    server = await startFakeOpenAI([{ misbehave: "hang" }], { repeatLast: true });
    const run = await codeact(["run", "x", "--model-timeout", "1", "--executor", "docker", "--thread", "slow"], { CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl });
    expect(run.code).toBe(EXIT_CODES.model);
    expect(run.stderr).toContain(server.baseUrl);
    expect(run.stderr).toMatch(/timed out|timeout/i);
    expect(run.stderr).toMatch(/codeact resume slow/);
    // The first attempt and the client's retries, each cut at 1 s (the default would wait 120 s each).
    expect(server.requests.length).toBeGreaterThanOrEqual(1);
  }, 90_000);

  it("--model-timeout is checked before anything runs", async () => {
    const run = await codeact(["run", "x", "--model-timeout", "0"], { CODEACT_HOME: home, OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
    expect(run.code).toBe(EXIT_CODES.usage);
    expect(run.stderr.trim()).toBe("codeact: --model-timeout must be between 1 and 3600 seconds, got 0");
  }, 60_000);

  it("a Docker engine that cannot be reached is reported as Docker's failure, not the model's", async () => {
    server = await startFakeOpenAI(['{"steps": [{"description": "print", "doneCriterion": "printed"}]}', "<execute>\nprint(1)\n</execute>"]);
    const dead = `tcp://127.0.0.1:${await freePort()}`;
    const run = await codeact(["run", "x", "--executor", "docker", "--memory"], { CODEACT_HOME: home, OPENAI_BASE_URL: server.baseUrl, DOCKER_HOST: dead });
    expect(run.code).toBe(EXIT_CODES.sandbox);
    expect(run.stderr).not.toMatch(/model/i);
    expect(run.stderr).toMatch(/ECONNREFUSED|Docker/);
  }, 90_000);
});
