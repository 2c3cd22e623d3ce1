/**
 * Agent profiles from a folder: one Markdown file per agent, YAML front matter (name, description,
 * model, tools, mcp, limits, sandbox) and the body as the agent's extra instructions. Checked with
 * zod; every error names the file and the field. Paths in a profile are relative to its file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { CodeActError } from "../../errors";
import { type AgentProfile, AgentProfileSchema } from "../state/agents";

/** The profile every run has: the parent's own settings, no extra instructions. */
export const GENERAL_PROFILE: AgentProfile = {
  name: "general",
  description: "a general agent with your own model, tools and limits (the default)",
  instructions: "",
};

const MAX_PROFILE_BYTES = 64 * 1024;
const MAX_PROFILES = 100;

export class AgentProfileError extends CodeActError {
  constructor(message: string) {
    super("usage", message, { hint: "Fix the profile file (YAML front matter between '---' lines, then the instructions), or leave it out of the folder." });
    this.name = "AgentProfileError";
  }
}

function issuesText(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(front matter)"}: ${i.message}`).join("; ");
}

/** One profile file's text; `file` names it in errors and anchors its relative paths. */
export function parseProfile(text: string, file: string): AgentProfile {
  const m = text.replace(/^\uFEFF/, "").match(/^---\r?\n([\s\S]*?)\r?\n---\r?\n?([\s\S]*)$/);
  if (!m) throw new AgentProfileError(`${file}: no YAML front matter (the file must start with a '---' line, then name/description, then '---').`);
  let front: unknown;
  try {
    front = parseYaml(m[1]!, { maxAliasCount: 10 });
  } catch (err) {
    throw new AgentProfileError(`${file}: the front matter is not valid YAML: ${(err as Error).message.split("\n")[0]}`);
  }
  if (typeof front !== "object" || front === null || Array.isArray(front)) throw new AgentProfileError(`${file}: the front matter must be a mapping (name: …, description: …).`);
  const parsed = AgentProfileSchema.safeParse({ ...front, instructions: m[2]!.trim() });
  if (!parsed.success) throw new AgentProfileError(`${file}: ${issuesText(parsed.error)}`);
  const dir = resolve(file, "..");
  const abs = (p: string) => (isAbsolute(p) || !/^[./]/.test(p) ? p : resolve(dir, p)); // a bare name is a package
  const p = parsed.data;
  return { ...p, ...(p.tools ? { tools: p.tools.map(abs) } : {}), ...(typeof p.mcp === "string" ? { mcp: resolve(dir, p.mcp) } : {}) };
}

/** Every `*.md` profile in `folder`, sorted by name; names must be unique and not "general" twice. */
export function loadProfiles(folder: string): AgentProfile[] {
  const dir = resolve(folder);
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw new Error("not a folder");
    names = readdirSync(dir).filter((n) => n.endsWith(".md")).sort();
  } catch (err) {
    throw new AgentProfileError(`Agents folder ${dir} cannot be read: ${(err as Error).message}`);
  }
  if (names.length > MAX_PROFILES) throw new AgentProfileError(`Agents folder ${dir} holds ${names.length} profiles; at most ${MAX_PROFILES} are read.`);
  const seen = new Map<string, string>();
  const out: AgentProfile[] = [];
  for (const n of names) {
    const file = join(dir, n);
    const st = statSync(file);
    if (!st.isFile()) continue;
    if (st.size > MAX_PROFILE_BYTES) throw new AgentProfileError(`${file}: ${st.size} bytes; a profile is at most ${MAX_PROFILE_BYTES}.`);
    const p = parseProfile(readFileSync(file, "utf8"), file);
    const other = seen.get(p.name);
    if (other) throw new AgentProfileError(`${file}: name: "${p.name}" is also the name in ${other}; each agent needs its own name.`);
    seen.set(p.name, file);
    out.push(p);
  }
  return out;
}

/** The profiles a run offers: the folder's, plus the built-in `general` unless the folder redefines it. */
export function withGeneral(profiles: AgentProfile[]): AgentProfile[] {
  return profiles.some((p) => p.name === "general") ? profiles : [GENERAL_PROFILE, ...profiles];
}
