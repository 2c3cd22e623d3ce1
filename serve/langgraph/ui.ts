/**
 * agent-chat-ui's conventions, where they are cheap to follow, as additions to codeact's own shapes
 * (a client written for codeact's values keeps working):
 * - `messages`: codeact's conversation is already a `messages` channel, but of its own records
 *   (`{ role, kind, content, ref }`). Each gets `type` ("human" / "ai") and a stable `id` (its
 *   position: the channel is append-only), which is what agent-chat-ui reads from a message dict.
 * - interrupts: codeact's payloads (`{ kind: "approve_code", code, thought }`, `{ kind: "ask_user",
 *   question }`) also carry agent-chat-ui's HumanInterrupt fields (action_request, config,
 *   description), and a resume may be its HumanResponse (`[{ type: "accept" | "edit" | "response" |
 *   "ignore", args }]`) as well as codeact's own (`{ action: "approve" | "edit" | "reject" }`, or the
 *   answer as a string / `{ answer }`).
 * - input: `{ messages: [...] }` (what agent-chat-ui sends) is taken as the task: the text of the
 *   last human message.
 */
import { ApprovalSchema, type Approval } from "../../graphs/state/state";
import { AnswerSchema } from "../../graphs/state/question";
import { CodeActError } from "../../errors";

type Rec = Record<string, unknown>;
interface Interrupt {
  id?: string;
  value?: unknown;
}

export function uiValues(values: Rec | undefined): Rec {
  if (!values || typeof values !== "object") return values ?? {};
  const out = { ...values };
  if (Array.isArray(values.messages)) out.messages = (values.messages as Rec[]).map((m, i) => (m && typeof m === "object" ? { ...m, type: m.role === "assistant" ? "ai" : "human", id: `codeact-msg-${i}` } : m));
  // A values chunk that is the interrupt itself (the run paused).
  if (Array.isArray(values.__interrupt__)) out.__interrupt__ = uiInterrupts(values.__interrupt__ as Interrupt[]);
  return out;
}

function uiInterrupt(value: unknown): unknown {
  const v = value as Rec | null;
  if (!v || typeof v !== "object") return value;
  if (v.kind === "approve_code") {
    return { ...v, action_request: { action: "run_code", args: { code: v.code } }, config: { allow_accept: true, allow_edit: true, allow_respond: true, allow_ignore: false }, description: typeof v.thought === "string" ? v.thought : "" };
  }
  if (v.kind === "ask_user") {
    return { ...v, action_request: { action: "ask_user", args: { question: v.question } }, config: { allow_accept: false, allow_edit: false, allow_respond: true, allow_ignore: false }, description: v.question };
  }
  return value;
}

export function uiInterrupts<T extends Interrupt>(interrupts: T[]): T[] {
  return interrupts.map((i) => (i && typeof i === "object" ? { ...i, value: uiInterrupt(i.value) } : i));
}

/** The text of the last human message of agent-chat-ui's input. */
export function taskFromMessages(messages: unknown): string | undefined {
  const list = Array.isArray(messages) ? messages : [messages];
  for (let i = list.length - 1; i >= 0; i--) {
    const m = list[i] as Rec | null;
    if (!m || typeof m !== "object") continue;
    const who = m.type ?? m.role;
    if (who !== "human" && who !== "user") continue;
    if (typeof m.content === "string") return m.content;
    if (Array.isArray(m.content)) return m.content.map((b: Rec) => (b && b.type === "text" && typeof b.text === "string" ? b.text : "")).join("");
  }
  return undefined;
}

const APPROVAL_FORMS = '{"action": "approve"}, {"action": "edit", "code": "…"} or {"action": "reject", "feedback": "…"}';
const ANSWER_FORMS = 'the answer: a string or {"answer": "…"}';

/** agent-chat-ui's HumanResponse (one, or a list of one) as codeact's decision or answer. */
function fromHumanResponse(resume: unknown, kind: "approve_code" | "ask_user"): unknown {
  const r = (Array.isArray(resume) && resume.length === 1 ? resume[0] : resume) as Rec | null;
  if (!r || typeof r !== "object" || typeof r.type !== "string" || !["accept", "edit", "response", "ignore"].includes(r.type)) return resume;
  const args = r.args as Rec | string | null | undefined;
  if (kind === "ask_user") return r.type === "response" && typeof args === "string" ? args : resume;
  if (r.type === "accept") return { action: "approve" };
  if (r.type === "ignore") return { action: "reject" };
  if (r.type === "response") return { action: "reject", feedback: typeof args === "string" ? args : "" };
  // edit: { action, args: { code } } (agent-chat-ui sends the edited action request back)
  const code = args && typeof args === "object" ? ((args.args as Rec | undefined)?.code ?? args.code) : undefined;
  return typeof code === "string" ? { action: "edit", code } : resume;
}

function checkOne(threadId: string, resume: unknown, waiting: Interrupt): unknown {
  const kind = (waiting.value as Rec | undefined)?.kind;
  if (kind === "approve_code") {
    const parsed = ApprovalSchema.safeParse(fromHumanResponse(resume, kind));
    if (!parsed.success) throw new CodeActError("usage", `Thread ${threadId} waits for an approval: resume must be ${APPROVAL_FORMS}.`);
    return parsed.data satisfies Approval;
  }
  if (kind === "ask_user") {
    const parsed = AnswerSchema.safeParse(fromHumanResponse(resume, kind));
    if (!parsed.success) throw new CodeActError("usage", `Thread ${threadId} waits for an answer to its question: resume must be ${ANSWER_FORMS} (at most 100,000 characters).`);
    return parsed.data;
  }
  return resume;
}

/**
 * A resume value checked against what the thread waits for, in codeact's own form: a value that
 * does not fit is one line naming the forms that do, and the thread keeps waiting. A map of
 * interrupt id → value (LangGraph's form for several interrupts) is checked entry by entry.
 */
export function checkedResume(threadId: string, resume: unknown, waiting: Interrupt[]): unknown {
  if (!waiting.length) throw new CodeActError("conflict", `Thread ${threadId} is not waiting for an approval or an answer; start a new turn with an input instead of a resume.`);
  const byId = resume && typeof resume === "object" && !Array.isArray(resume) ? Object.keys(resume) : [];
  if (byId.length && byId.every((k) => waiting.some((w) => w.id === k))) {
    return Object.fromEntries(byId.map((k) => [k, checkOne(threadId, (resume as Rec)[k], waiting.find((w) => w.id === k)!)]));
  }
  return checkOne(threadId, resume, waiting[0]!);
}
