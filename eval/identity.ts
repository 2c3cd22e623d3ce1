/**
 * Which model an eval ran (per role for the full agent) and against which endpoint, as eval.json and
 * every result row record it: a resume with another model is refused, so one table never mixes two
 * models unnoticed. Endpoints are stored without credentials, and so are error texts.
 */
import { z } from "zod";
import { urlWithoutSecrets } from "../errors/redact";
import { CodeActError } from "../errors";

export const RoleNamesSchema = z.object({ planner: z.string(), coder: z.string(), critic: z.string() });

export const ModelRecordSchema = z.object({
  model: z.string(),
  /** --agent full only: the model of each role. */
  roles: RoleNamesSchema.optional(),
  /** The endpoint's URL without user, password or credential-like query parameters; null: the provider's default. */
  endpoint: z.string().nullable(),
});
export type ModelRecord = z.infer<typeof ModelRecordSchema>;

export function modelRecord(agent: "paper" | "full", model: string, roles: Partial<Record<"planner" | "coder" | "critic", string>> = {}, endpoint?: string | null): ModelRecord {
  return {
    model,
    ...(agent === "full" ? { roles: { planner: roles.planner ?? model, coder: roles.coder ?? model, critic: roles.critic ?? model } } : {}),
    endpoint: endpoint ? urlWithoutSecrets(endpoint) : null,
  };
}

const describe = (r: ModelRecord) => `${r.roles ? `planner ${r.roles.planner}, coder ${r.roles.coder}, critic ${r.roles.critic}` : r.model} at ${r.endpoint ?? "the provider's default endpoint"}`;

/** Refuses to resume an eval with another model (or one that recorded none) unless asked to. */
export function checkSameModel(out: string, before: ModelRecord | undefined, now: ModelRecord, allowed: boolean): void {
  if (allowed) return;
  const same = before && before.model === now.model && before.endpoint === now.endpoint && JSON.stringify(before.roles ?? null) === JSON.stringify(now.roles ?? null);
  if (same) return;
  throw new CodeActError("usage", `${out} holds an eval run with ${before ? describe(before) : "an unrecorded model"}, not ${describe(now)}: resuming would mix two models in one table.`, {
    hint: "Resume with the same model and endpoint, choose another output folder, or allow the change explicitly (allowModelChange; --allow-model-change).",
  });
}
