/**
 * Model calls and prompt characters of a long run, and how much of them a prompt cache could
 * serve under each provider's rules (bench/cache-rules.ts), from the requests the real clients
 * (ChatOpenAI, ChatAnthropic) send to local fake servers that record every body. One scripted
 * 60-action run (errors, self-debug, an exhausted step that makes the critic replan, a compaction)
 * is driven on the same kernel image with the conversation design (append-only chat turns, critic
 * on claims) through each client, then with the window design (one re-rendered prompt per turn,
 * critic after every successful action); the demo's bundled trajectory is driven through each
 * client with the default limits. Last line: one JSON object.
 */
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import type { LimitsInput } from "../graphs/state/limits";
import { runCodeAct } from "../graphs/run";
import { createRoleModels } from "../nodes/models/models";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { TrajectorySchema } from "../cli/run";
import { type AnthropicRequest, asOpenAIShape, startFakeAnthropic } from "../tests/helpers/fake-anthropic";
import { type FakeOpenAI, startFakeOpenAI } from "../tests/helpers/fake-openai";
import { maxTurnChars, roleOf, roleReplies, textOf } from "../tests/helpers/role-script";
import { anthropicFraction, openaiText, plainText, prefixFraction } from "./cache-rules";

const ACTIONS = 60;
/** The bench's compaction budget (tokens; about 4 characters each): small enough for one compaction in 60 actions. */
const CONTEXT_TOKENS = Number(process.env.BENCH_CONTEXT_TOKENS ?? 4_000);
const plan = (n: number, tag: string) => JSON.stringify({ steps: Array.from({ length: n }, (_, i) => ({ description: `${tag} part ${i + 1}: build and check table ${i + 1}`, doneCriterion: `table ${i + 1} printed` })) });

/** The coder's 60 code actions and its answer: same replies for both designs. */
function coderReplies(): string[] {
  const out: string[] = [];
  const claimAt = new Set([9, 21, 44, 52]);
  for (let k = 0; out.length < ACTIONS; k++) {
    const i = out.length;
    if (i === 30 || i === 31 || i === 32) {
      // Three failures in a row on one step: self-debug twice, then the critic is asked and replans.
      out.push(`Load the optional module (try ${i - 29}).\n<execute>\nimport fancy_tables_${i}\n</execute>`);
    } else if (i % 9 === 4) {
      out.push(`Summarise the last table.\n<execute>\nprint(summary_${i}.describe())\n</execute>`); // NameError: self-debug
    } else {
      const n = 6 + (i % 5);
      const claim = claimAt.has(i) ? "\n<step_done/>" : "";
      out.push(
        `Build table ${i} and look at it.\n<execute>\nimport pandas as pd\nt${i} = pd.DataFrame({"x": range(${n}), "y": [v * ${i % 7 + 1} for v in range(${n})]})\nsummary_${i} = t${i}\nprint(t${i}.to_string())\nprint("mean y:", t${i}.y.mean())\n</execute>${claim}`,
      );
    }
  }
  return [...out, "<solution>All tables were built; mean y values are printed above.</solution>"];
}

function answerer() {
  const coder = coderReplies();
  let c = 0;
  let plans = 0;
  return (req: FakeOpenAI["requests"][number]) => {
    const role = roleOf(req);
    const last = textOf(req.messages.at(-1)!.content);
    if (role === "planner") return plan(plans++ ? 3 : 4, plans > 1 ? "revised" : "first");
    if (role === "summary") return "Done so far: tables t0..tN built and printed (pandas DataFrames with columns x, y); summary_i aliases exist for the ok cells. In the kernel: pandas as pd, t0..tN, summary_*. Open problems: module fancy_tables is not installed; work without it.";
    if (role === "critic") {
      if (/no retries left/.test(last)) return JSON.stringify({ verdict: "replan", feedback: "the module does not exist here: build the tables with pandas only" });
      if (/proposes this final answer/.test(last)) return JSON.stringify({ verdict: "done", feedback: "", answer: "all tables built" });
      return JSON.stringify({ verdict: "next", feedback: "the table was printed" });
    }
    return coder[c++] ?? "<solution>out of script</solution>";
  };
}

interface Figures {
  model_calls: number;
  actions: number;
  model_calls_per_action: number;
  cached_fraction: number;
  cached_fraction_openai: number;
  peak_prompt_chars: number;
  prompt_chars: number;
  /** Characters no earlier request's prefix covers: what a prefix cache cannot serve. */
  uncached_prompt_chars: number;
  /** The same under OpenAI's rule (the schema is part of the prefix). */
  uncached_prompt_chars_openai: number;
  compactions: number;
  status: string;
  turn_chars?: number;
}

function measure(requests: FakeOpenAI["requests"], actions: number, compactions: number, status: string): Figures {
  const plain = prefixFraction(requests.map(plainText));
  const openai = prefixFraction(requests.map(openaiText));
  return {
    model_calls: requests.length,
    actions,
    model_calls_per_action: +(requests.length / actions).toFixed(3),
    cached_fraction: plain.fraction,
    cached_fraction_openai: openai.fraction,
    peak_prompt_chars: Math.max(...requests.map((r) => plainText(r).length)),
    prompt_chars: plain.total,
    uncached_prompt_chars: plain.total - plain.cached,
    uncached_prompt_chars_openai: openai.total - openai.cached,
    compactions,
    status,
  };
}

type Answer = (req: FakeOpenAI["requests"][number]) => string;

/** A fake endpoint of `provider` answering with `answer`; its requests in the provider's own shape. */
async function endpoint(provider: "openai" | "anthropic", answer: Answer) {
  if (provider === "openai") {
    const s = await startFakeOpenAI([answer], { repeatLast: true });
    return { baseUrl: s.baseUrl, model: "bench-model", openai: s.requests, anthropic: [] as AnthropicRequest[], close: s.close };
  }
  const s = await startFakeAnthropic([(r) => answer(asOpenAIShape(r))], { repeatLast: true });
  return { baseUrl: s.baseUrl, model: "anthropic:bench-model", openai: [] as FakeOpenAI["requests"], anthropic: s.requests, close: s.close };
}

interface Run {
  task: string;
  answer: () => Answer;
  limits: LimitsInput;
}

async function once(executor: DockerJupyterExecutor, run: Run, thread: string, provider: "openai" | "anthropic" = "openai") {
  const server = await endpoint(provider, run.answer());
  try {
    await executor.restart();
    const models = createRoleModels({ model: server.model, baseUrl: server.baseUrl, apiKey: "bench-key", maxRetries: 0 });
    const graph = createCodeActGraph({ models, executor, limits: run.limits });
    let compactions = 0;
    const state = await runCodeAct(graph, run.task, { threadId: thread, onEvent: (e) => void (e.type === "compaction" && compactions++) });
    if (provider === "anthropic") return { anthropic: anthropicFraction(server.anthropic), calls: server.anthropic.length, status: state.status, actions: state.cells.length };
    // One turn: a reply and the messages that follow it up to the next reply.
    const turn = run.limits.context === "window" ? 0 : Math.max(0, ...server.openai.map(maxTurnChars));
    return { ...measure(server.openai, state.cells.length, compactions, state.status), ...(turn ? { turn_chars: turn } : {}) };
  } finally {
    await server.close();
  }
}

const LONG: Run = {
  task: "Build 60 small tables with pandas, print each, and report when all are done.",
  answer: answerer,
  limits: { maxIterations: 200, maxDebugAttempts: 2, tokenBudget: 1e9, context: "conversation", critic: "claims", contextTokens: CONTEXT_TOKENS },
};

/** The demo's bundled trajectory (scripts/demo-trajectory.json) with the run's default limits, as `npm run demo` replays it. */
function demoRun(): Run {
  const t = TrajectorySchema.parse(JSON.parse(readFileSync(join(__dirname, "../scripts/demo-trajectory.json"), "utf8")));
  return {
    task: t.task!,
    answer: () => {
      const { reply } = roleReplies({ planner: t.planner, coder: t.coder, critic: t.critic });
      return (req) => String(reply(req));
    },
    limits: {},
  };
}

async function main(): Promise<void> {
  const executor = new DockerJupyterExecutor();
  await executor.start();
  try {
    const conversation = (await once(executor, LONG, "bench-conversation")) as Figures;
    const anthropic = (await once(executor, LONG, "bench-conversation-anthropic", "anthropic")) as Exclude<Awaited<ReturnType<typeof once>>, Figures>;
    const demo = (await once(executor, demoRun(), "bench-demo")) as Figures;
    const demoAnthropic = (await once(executor, demoRun(), "bench-demo-anthropic", "anthropic")) as typeof anthropic;
    const today = (await once(executor, { ...LONG, limits: { ...LONG.limits, context: "window", critic: "every-action", contextTokens: undefined } }, "bench-window")) as Figures;
    const budgetChars = CONTEXT_TOKENS * 4;
    const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
    console.log(`conversation: ${conversation.model_calls} model calls for ${conversation.actions} actions; cached prefix ${pct(conversation.cached_fraction)} plain, ${pct(conversation.cached_fraction_openai)} under OpenAI's rule, ${pct(anthropic.anthropic.fraction)} under Anthropic's (${anthropic.anthropic.requests_with_breakpoints}/${anthropic.calls} requests with breakpoints, at most ${anthropic.anthropic.max_breakpoints}); peak request ${conversation.peak_prompt_chars} chars (budget ${budgetChars}), ${conversation.compactions} compactions, status ${conversation.status} / ${anthropic.status}`);
    console.log(`demo trajectory: ${demo.model_calls} model calls; cached prefix ${pct(demo.cached_fraction)} plain, ${pct(demo.cached_fraction_openai)} OpenAI, ${pct(demoAnthropic.anthropic.fraction)} Anthropic; uncached ${demo.uncached_prompt_chars} / ${demo.uncached_prompt_chars_openai} (OpenAI) / ${demoAnthropic.anthropic.total - demoAnthropic.anthropic.cached} (Anthropic) of ${demo.prompt_chars} chars, status ${demo.status} / ${demoAnthropic.status}`);
    console.log(`window (today): ${today.model_calls} model calls for ${today.actions} actions, ${pct(today.cached_fraction)} cached prefix (${pct(today.cached_fraction_openai)} OpenAI), peak request ${today.peak_prompt_chars} chars, status ${today.status}`);
    console.log(
      JSON.stringify({
        actions: conversation.actions,
        model_calls_per_action: conversation.model_calls_per_action,
        cached_fraction: conversation.cached_fraction,
        cached_fraction_openai: conversation.cached_fraction_openai,
        cached_fraction_anthropic: anthropic.anthropic.fraction,
        anthropic_requests_with_breakpoints: anthropic.anthropic.requests_with_breakpoints,
        anthropic_model_calls: anthropic.calls,
        anthropic_max_breakpoints: anthropic.anthropic.max_breakpoints,
        demo_cached_fraction: demo.cached_fraction,
        demo_cached_fraction_openai: demo.cached_fraction_openai,
        demo_cached_fraction_anthropic: demoAnthropic.anthropic.fraction,
        demo_prompt_chars: demo.prompt_chars,
        demo_uncached_prompt_chars: demo.uncached_prompt_chars,
        demo_uncached_prompt_chars_openai: demo.uncached_prompt_chars_openai,
        demo_uncached_prompt_chars_anthropic: demoAnthropic.anthropic.total - demoAnthropic.anthropic.cached,
        demo_model_calls: demo.model_calls,
        demo_status: demo.status,
        peak_prompt_chars: conversation.peak_prompt_chars,
        compactions: conversation.compactions,
        prompt_chars: conversation.prompt_chars,
        uncached_prompt_chars: conversation.uncached_prompt_chars,
        uncached_prompt_chars_openai: conversation.uncached_prompt_chars_openai,
        context_budget_chars: budgetChars,
        turn_chars: conversation.turn_chars,
        peak_within_budget_plus_turn: conversation.peak_prompt_chars <= budgetChars + (conversation.turn_chars ?? 0),
        status: conversation.status,
        today,
      }),
    );
  } finally {
    await executor.shutdown();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
