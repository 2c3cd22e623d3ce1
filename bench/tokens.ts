/**
 * Model calls and prompt characters of a long run, through the real ChatOpenAI client against a
 * local OpenAI-compatible server that records every request. One scripted 60-action run (errors,
 * self-debug, an exhausted step that makes the critic replan, a compaction) is driven twice on the
 * same kernel image: with the conversation design (append-only chat turns, critic on claims) and
 * with today's window design (one re-rendered prompt per turn, critic after every successful action).
 * Last line: one JSON object.
 */
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import type { LimitsInput } from "../graphs/state/limits";
import { runCodeAct } from "../graphs/run";
import { createRoleModels } from "../nodes/models/models";
import { type FakeOpenAI, startFakeOpenAI } from "../tests/helpers/fake-openai";
import { maxTurnChars, roleOf, textOf } from "../tests/helpers/role-script";

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
  peak_prompt_chars: number;
  prompt_chars: number;
  /** Characters no earlier request's prefix covers: what a prefix cache cannot serve. */
  uncached_prompt_chars: number;
  compactions: number;
  status: string;
  turn_chars?: number;
}

/** A request as the characters a provider sees in order: each message's role and text. */
const serialise = (r: FakeOpenAI["requests"][number]) => r.messages.map((m) => `\u0000${m.role}\u0000${textOf(m.content)}`).join("");

function commonPrefix(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

function measure(requests: FakeOpenAI["requests"], actions: number, compactions: number, status: string): Figures {
  const texts = requests.map(serialise);
  let cached = 0;
  let total = 0;
  texts.forEach((t, i) => {
    total += t.length;
    let best = 0;
    for (let j = 0; j < i && best < t.length; j++) best = Math.max(best, commonPrefix(t, texts[j]!));
    cached += best;
  });
  return {
    model_calls: requests.length,
    actions,
    model_calls_per_action: +(requests.length / actions).toFixed(3),
    cached_fraction: +(cached / total).toFixed(3),
    peak_prompt_chars: Math.max(...texts.map((t) => t.length)),
    prompt_chars: total,
    uncached_prompt_chars: total - cached,
    compactions,
    status,
  };
}

async function once(executor: DockerJupyterExecutor, limits: LimitsInput, thread: string): Promise<Figures> {
  const server = await startFakeOpenAI([answerer()], { repeatLast: true });
  try {
    await executor.restart();
    const models = createRoleModels({ model: "bench-model", baseUrl: server.baseUrl, maxRetries: 0 });
    const graph = createCodeActGraph({ models, executor, limits: { maxIterations: 200, maxDebugAttempts: 2, tokenBudget: 1e9, ...limits } });
    let compactions = 0;
    const state = await runCodeAct(graph, "Build 60 small tables with pandas, print each, and report when all are done.", {
      threadId: thread,
      onEvent: (e) => void (e.type === "compaction" && compactions++),
    });
    // One turn: a reply and the messages that follow it up to the next reply.
    const turn = limits.context === "window" ? 0 : Math.max(0, ...server.requests.map(maxTurnChars));
    return { ...measure(server.requests, state.cells.length, compactions, state.status), ...(turn ? { turn_chars: turn } : {}) };
  } finally {
    await server.close();
  }
}

async function main(): Promise<void> {
  const executor = new DockerJupyterExecutor();
  await executor.start();
  try {
    const conversation = await once(executor, { context: "conversation", critic: "claims", contextTokens: CONTEXT_TOKENS }, "bench-conversation");
    const today = await once(executor, { context: "window", critic: "every-action" }, "bench-window");
    const budgetChars = CONTEXT_TOKENS * 4;
    console.log(`conversation: ${conversation.model_calls} model calls for ${conversation.actions} actions, ${(conversation.cached_fraction * 100).toFixed(1)}% of prompt characters repeat an earlier request's prefix, peak request ${conversation.peak_prompt_chars} chars (budget ${budgetChars}), ${conversation.compactions} compactions, status ${conversation.status}`);
    console.log(`window (today): ${today.model_calls} model calls for ${today.actions} actions, ${(today.cached_fraction * 100).toFixed(1)}% cached prefix, peak request ${today.peak_prompt_chars} chars, status ${today.status}`);
    console.log(
      JSON.stringify({
        actions: conversation.actions,
        model_calls_per_action: conversation.model_calls_per_action,
        cached_fraction: conversation.cached_fraction,
        peak_prompt_chars: conversation.peak_prompt_chars,
        compactions: conversation.compactions,
        prompt_chars: conversation.prompt_chars,
        uncached_prompt_chars: conversation.uncached_prompt_chars,
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
