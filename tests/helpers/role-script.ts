/**
 * One fake OpenAI endpoint for every role: each request is answered from the queue of the role
 * that sent it (told apart by its prompt), so a script does not depend on the exact call order.
 */
import type { FakeOpenAI, HttpError } from "./fake-openai";

export type Role = "planner" | "coder" | "critic" | "summary";
export type RoleScript = Partial<Record<Role, (string | HttpError)[]>>;
type Request = FakeOpenAI["requests"][number];

export function textOf(content: Request["messages"][number]["content"]): string {
  return typeof content === "string" ? content : content.map((p) => p.text ?? "").join("");
}

export function roleOf(req: Request): Role {
  const system = textOf(req.messages[0]?.content ?? "");
  const last = textOf(req.messages.at(-1)?.content ?? "");
  if (last.startsWith("Stop here as the reviewer") || system.startsWith("You review the progress")) return "critic";
  if (last.startsWith("Stop here as the planner") || system.startsWith("You plan work")) return "planner";
  if (last.startsWith("The conversation is getting long")) return "summary";
  return "coder";
}

/** A reply function for startFakeOpenAI([...], { repeatLast: true }); `roles` records who asked, in order. */
export function roleReplies(script: RoleScript): { reply: (req: Request) => string | HttpError; roles: Role[] } {
  const queues = Object.fromEntries(Object.entries(script).map(([k, v]) => [k, [...v]])) as RoleScript;
  const roles: Role[] = [];
  const reply = (req: Request) => {
    const role = roleOf(req);
    roles.push(role);
    return queues[role]?.shift() ?? `(the ${role} script is exhausted)`;
  };
  return { reply, roles };
}

/** The largest turn in a request: an assistant message and the user messages after it, in characters. */
export function maxTurnChars(req: Request): number {
  let best = 0;
  let current = 0;
  for (const m of req.messages.slice(1)) {
    if (m.role === "assistant") current = 0;
    current += textOf(m.content).length;
    best = Math.max(best, current);
  }
  return best;
}
