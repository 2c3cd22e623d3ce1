/** One run, started from each place a run comes from, is one RunSettings: the CLI's flags, a thread's record, the server's policy, the eval harness. */
import { runSettingsFromRecord } from "../../checkpoints/thread-settings";
import { runSettingsFromFlags } from "../../cli/run-settings";
import { settingsFromFlags } from "../../cli/thread-settings";
import { evalRunSettings } from "../../eval/run";
import { serverRunSettings } from "../../graphs/server";
import { applyPolicy, ServerPolicySchema } from "../../graphs/server-policy";
import { limitsOf, RunSettingsSchema } from "../../graphs/state/settings";
import { LimitsSchema } from "../../graphs/state/limits";

const policy = ServerPolicySchema.parse({ models: ["gpt-x"], executors: ["docker"], baseUrls: ["*"] });

it("the CLI, a thread's record, the server and eval produce the same settings for the same run, without the key", () => {
  const env = { OPENAI_API_KEY: "sk-never-kept" };
  const flags = { model: "gpt-x", executor: "docker" as const, maxIterations: 5, cellTimeout: 30, actionFormat: "json" as const, apiKey: "sk-typed" };
  const cli = runSettingsFromFlags(flags, env);
  const record = runSettingsFromRecord(settingsFromFlags(flags, env));
  const server = serverRunSettings(applyPolicy({ model: "gpt-x", limits: { maxIterations: 5, cellTimeoutMs: 30_000 } }, policy, env), env).settings;
  const evaluation = evalRunSettings({ model: "gpt-x", executor: { kind: "docker" }, maxTurns: 5, cellTimeoutMs: 30_000 }, "json");
  // The server has no action format of its own: its graph acts in code.
  for (const s of [cli, record, evaluation]) expect(s).toEqual(cli);
  expect({ ...server, actionFormat: "json" }).toEqual(cli);
  expect(cli).toEqual(
    RunSettingsSchema.parse({ models: { default: "gpt-x" }, executor: { kind: "docker" }, budgets: { maxIterations: 5, cellTimeoutMs: 30_000 }, actionFormat: "json" }),
  );
  for (const s of [cli, record, server, evaluation]) expect(JSON.stringify(s)).not.toMatch(/sk-/);
  // The graph's limits are the same ones Limits always held.
  expect(LimitsSchema.parse(limitsOf(cli))).toEqual(LimitsSchema.parse({ maxIterations: 5, cellTimeoutMs: 30_000 }));
});

it("the environment's endpoint and timeout fill the same fields from the CLI, the record and the server", () => {
  const env = { OPENAI_BASE_URL: "http://127.0.0.1:9/v1", CODEACT_MODEL: "gpt-x", CODEACT_MODEL_TIMEOUT: "45" };
  const flags = { executor: "docker" as const, approve: true, critic: "every-action" as const, vision: false };
  const cli = runSettingsFromFlags(flags, env);
  const record = runSettingsFromRecord(settingsFromFlags(flags, env));
  const server = serverRunSettings(applyPolicy({ approve: true, limits: { critic: "every-action", vision: false } }, policy, env), env).settings;
  expect(record).toEqual(cli);
  expect(server).toEqual(cli);
  expect(cli).toMatchObject({
    models: { default: "gpt-x" },
    endpoint: { baseUrl: "http://127.0.0.1:9/v1", timeoutMs: 45_000 },
    approve: true,
    behaviour: { critic: "every-action", vision: false, context: "conversation" },
  });
});
