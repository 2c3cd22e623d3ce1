/**
 * Every error the LangGraph API answers with is one human line: `{ "error": <code>, "message": <line> }`.
 * What the embedded routes would send otherwise: a zod issue list (a bad body or thread id), a
 * plain "Internal Server Error", or an error's multi-line text. Messages may quote what a caller
 * sent; they are JSON strings, and credentials in URLs are masked (CodeActError does so).
 */
import { CodeActError, type ErrorCode, redactSecrets } from "../../errors";

export interface ApiError {
  status: 400 | 404 | 409 | 413 | 422 | 500 | 501 | 503;
  body: { error: string; message: string };
}

const STATUS: Partial<Record<ErrorCode, ApiError["status"]>> = { usage: 422, not_found: 404, conflict: 409, limit: 413, sandbox: 503, store: 503, model: 503, tool: 422 };

/** One line of at most 500 characters. */
export function line(text: string): string {
  const flat = text.replace(/\s*\n\s*/g, " ").replace(/[\u0000-\u001f\u007f]/g, " ").trim();
  return flat.length > 500 ? `${flat.slice(0, 500)}…` : flat;
}

interface Issue {
  path?: (string | number)[];
  message?: string;
}

/** A zod issue list (v3 or v4, as an error or as its JSON) as "field: problem; field: problem". */
export function issuesLine(issues: Issue[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${i.path?.length ? i.path.join(".") : "body"}: ${i.message ?? "invalid"}`)
    .join("; ");
}

function zodIssues(err: unknown): Issue[] | undefined {
  const issues = (err as { issues?: unknown })?.issues;
  return Array.isArray(issues) && (err as { name?: string }).name === "ZodError" ? (issues as Issue[]) : undefined;
}

/** A thrown error as the API's answer. */
export function apiError(err: unknown): ApiError {
  if (err instanceof CodeActError) return { status: STATUS[err.code] ?? 500, body: { error: err.code, message: line(err.message) } };
  const issues = zodIssues(err);
  if (issues) return { status: 422, body: { error: "invalid_request", message: line(issuesLine(issues)) } };
  const status = (err as { status?: unknown })?.status;
  if (typeof status === "number" && status >= 400 && status < 500) return { status: status === 404 ? 404 : 422, body: { error: "invalid_request", message: line((err as Error).message || "invalid request") } };
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { error: "internal", message: line(redactSecrets(message)) || "internal error" } };
}

/** The same as an Error, for the error event of a stream (the embedded server sends `{ error: name, message }`). */
export function streamError(err: unknown): Error {
  const { body } = apiError(err);
  const e = new Error(body.message);
  e.name = body.error;
  return e;
}

/** An answer from the embedded routes rewritten when it is a validation dump or a bare error. */
export async function oneLineResponse(res: Response): Promise<Response> {
  if (res.status < 400) return res;
  const type = res.headers.get("content-type") ?? "";
  const text = await res.text();
  let body: unknown;
  try {
    body = type.includes("json") ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  const b = body as { success?: boolean; error?: unknown; message?: unknown } | undefined;
  let out: ApiError["body"];
  if (b && b.success === false) {
    const issues = zodIssues(b.error) ?? ((b.error as { issues?: Issue[] })?.issues ?? []);
    out = { error: "invalid_request", message: line(issuesLine(issues)) || "invalid request" };
  } else if (b && typeof b.error === "string" && / not implemented$/.test(b.error)) {
    out = { error: "not_implemented", message: line(`${b.error}: codeact's LangGraph API serves threads, state, history and runs (see the README, "The LangGraph API on your threads").`) };
  } else if (b && typeof b.error === "string") {
    out = { error: b.error, message: line(typeof b.message === "string" ? b.message : b.error) };
  } else {
    out = { error: res.status === 404 ? "not_found" : "error", message: line(text || res.statusText || `HTTP ${res.status}`) };
  }
  const status = b && b.success === false ? 422 : res.status;
  return new Response(JSON.stringify(out), { status, headers: { "content-type": "application/json" } });
}
