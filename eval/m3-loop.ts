/**
 * M3ToolEval's own loop for `--agent paper` (upstream scripts/eval/m3tooleval/main.py, behaviour
 * re-implemented): each reply cut after its first action or answer, parsed as the package's
 * Task.parse_generation does, actions run in the task kernel as upstream's REPL and tool calls run
 * them (harness.py, _ce_m3_act: stdout only, 2,000 characters then "...\n[Output Truncated]", its
 * no-output hint, Out[n] removed, a literal's str), its reminders, and replies capped at 512 tokens.
 * tests/eval/m3-upstream.test.ts replays trajectories through upstream's own code and this.
 */
import { z } from "zod";
import type { CodeExecutor } from "../executors/types";
import { type PaperMessage, type PaperProtocol, type Verdict, WRONG } from "../graphs/paper";
import type { ActionFormat } from "../graphs/state/settings";
import { b64 } from "./suite";

/** main.py's chat_completion sends max_tokens=512. */
export const UPSTREAM_MAX_TOKENS = 512;

const BOTH = "Invalid generation. Your output should contain either 'Action:' or 'Answer:', but not both.";
const NEITHER = "Invalid generation. Your output should contain either 'Action:' or 'Answer:'";
const MORE_ANSWERS = "You have output more than one answer. Only the first answer will be used.";
const MORE_ACTIONS = "You have output more than one action. Only the first action will be used.";

/** Python's str.strip() / lstrip() (JS trim differs on a few control characters). */
const PY_SPACE = "[\\s\\x1c-\\x1f\\x85]";
const lstrip = (s: string) => s.replace(new RegExp(`^${PY_SPACE}+`, "u"), "");
const strip = (s: string) => lstrip(s).replace(new RegExp(`${PY_SPACE}+$`, "u"), "");
const count = (s: string, sub: string) => s.split(sub).length - 1;

/** main.py's postprocess_fn: what follows the first "Action:"/"Answer:" block is dropped. */
export function upstreamKeep(generation: string): string {
  const text = lstrip(generation);
  const marks = [...text.matchAll(/Answer:|Action:/g)];
  if (marks.length <= 1) return text;
  let kept = strip(text.slice(0, marks[1]!.index));
  // As upstream: with no "Action:" the search starts at -1 + 7.
  const afterAction = kept.indexOf("Action:") + "Action:".length;
  const end = kept.indexOf("End Action", afterAction);
  if (end !== -1) kept = strip(kept.slice(0, end + "End Action".length));
  const thought = kept.indexOf("Thought:", afterAction);
  if (thought !== -1) kept = strip(kept.slice(0, thought));
  return kept;
}

export type UpstreamParse = { type: "invalid"; content: string } | { type: "answer" | "action"; content: string; extra?: string };

/** Task.parse_generation. */
export function upstreamParse(generation: string): UpstreamParse {
  const answer = generation.includes("Answer:");
  const action = generation.includes("Action:");
  if (answer && action) return { type: "invalid", content: BOTH };
  if (answer) {
    if (count(generation, "Answer:") > 1) return { type: "answer", content: strip(generation.split("Answer:")[1]!), extra: MORE_ANSWERS };
    return { type: "answer", content: strip(generation.slice(generation.indexOf("Answer:") + "Answer:".length)) };
  }
  if (!action) return { type: "invalid", content: NEITHER };
  const more = count(generation, "Action:") > 1;
  let content = lstrip(more ? generation.split("Action:")[1]! : generation.slice(generation.indexOf("Action:") + "Action:".length));
  if (content.includes("End Action")) content = content.slice(0, content.indexOf("End Action"));
  return { type: "action", content, ...(more ? { extra: MORE_ACTIONS } : {}) };
}

const reminder = (extra?: string) => (extra ? `\n*Extra reminder: ${extra}` : "");

export interface UpstreamLoopOptions {
  executor: CodeExecutor;
  format: ActionFormat;
  check: (answer: string) => Promise<Verdict>;
  /** Above upstream's own 30 s alarm, so its TimeoutError (a traceback in the observation) comes first. */
  cellTimeoutMs?: number;
}

/** The paper protocol that reproduces main.py's run_task turn for turn. */
export function upstreamProtocol(o: UpstreamLoopOptions): PaperProtocol {
  const timeoutMs = Math.max(o.cellTimeoutMs ?? 0, 60_000);
  return {
    maxTokens: UPSTREAM_MAX_TOKENS,
    keep: upstreamKeep,
    step: async (kept) => {
      const parsed = upstreamParse(kept);
      if (parsed.type === "invalid") return { messages: [{ role: "user", content: parsed.content, kind: "invalid" }] };
      if (parsed.type === "answer") {
        const verdict = await o.check(parsed.content);
        const messages: PaperMessage[] = verdict.correct ? [] : [{ role: "user", content: WRONG + reminder(parsed.extra), kind: "feedback" }];
        return { answer: parsed.content, verdict, messages };
      }
      const result = await o.executor.execute(`_ce_m3_act(${JSON.stringify(o.format)}, ${b64(parsed.content)})`, { timeoutMs });
      const line = result.status === "ok" ? result.stdout.trim().split("\n").pop() : undefined;
      let obs: { text: string; error: boolean };
      try {
        obs = z.object({ text: z.string(), error: z.boolean() }).parse(JSON.parse(line ?? ""));
      } catch {
        // The kernel itself failed (died, timed out): said as such, not as an upstream observation.
        obs = { text: `The action could not run: ${result.status}${result.error ? ` (${result.error.ename}: ${result.error.evalue})` : ""}`, error: true };
      }
      return { messages: [{ role: "user", content: obs.text + reminder(parsed.extra), kind: "observation", error: obs.error }] };
    },
  };
}
