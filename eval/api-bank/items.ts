/**
 * API-Bank level-1's scored items, built on the host from the dialogue files as code-act's
 * evaluator builds them (Sample.from_chat_history): for the API line at index i, the items
 * (history[:i], gold history[i]) and (history[:i+1], gold history[i+1]); the API test scores those
 * whose gold is an API line (399 in the shipped data: 389 API lines and 10 where one API line follows
 * another). The lines travel to the kernels as the file's own JSON text, so Python parses them as
 * upstream does. The gold lines stay on the host and in the judge kernel.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { CodeActError } from "../../errors";

export const SAMPLES_DIR = join("lv1-lv2-samples", "level-1-given-desc");
/** The files a kernel gets (never the dialogues): what ToolManager loads. */
export const KERNEL_PARTS = ["apis", "init_database", "tool_manager.py", "api_call_extraction.py"] as const;

const LineSchema = z.object({ role: z.string(), api_name: z.string().optional(), param_dict: z.record(z.string(), z.unknown()).optional() }).loose();

export interface ApiBankItem {
  /** Upstream's own id for a sample: `<file>-<n>`, n counting every sample of the file (API and AI golds). */
  id: string;
  file: string;
  /** Every API name used in the dialogue, sorted (upstream iterates a Python set: its order depends on the hash seed). */
  apis: string[];
  /** The history lines before the gold, each the file's JSON text. */
  history: string[];
  /** The gold API line's JSON text. */
  gold: string;
  goldName: string;
  goldParams: Record<string, unknown>;
}

/** The folder's path when it has what the suite needs; otherwise a usage error that says what is missing. */
export function apiBankDir(from: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const given = from ?? (env.CODEACT_APIBANK_DIR || undefined);
  if (!given) {
    throw new CodeActError("usage", "api-bank needs the API-Bank data and APIs: pass --from <folder> or set CODEACT_APIBANK_DIR.", {
      hint: "The folder is API-Bank's api-bank/ (AlibabaResearch/DAMO-ConvAI, or the copy in code-act's scripts/eval/api-bank): it holds apis/, init_database/, tool_manager.py and lv1-lv2-samples/level-1-given-desc/.",
    });
  }
  const dir = resolve(given);
  const missing = [...KERNEL_PARTS, SAMPLES_DIR].filter((p) => !existsSync(join(dir, p)));
  if (missing.length) {
    throw new CodeActError("usage", `${dir} is not API-Bank's folder: it has no ${missing.join(", ")}.`, {
      hint: "Point --from (or CODEACT_APIBANK_DIR) at the api-bank/ folder itself, the one holding tool_manager.py.",
    });
  }
  return dir;
}

/** Every scored item of the level-1 dialogues, files in name order. */
export function loadItems(dir: string): ApiBankItem[] {
  const samples = join(dir, SAMPLES_DIR);
  const files = readdirSync(samples)
    .filter((f) => f.endsWith(".jsonl") && statSync(join(samples, f)).isFile())
    .sort();
  const items: ApiBankItem[] = [];
  for (const file of files) {
    const raw = readFileSync(join(samples, file), "utf8")
      .split("\n")
      .filter((l) => l.trim());
    const lines = raw.map((text, n) => {
      let parsed;
      try {
        parsed = LineSchema.safeParse(JSON.parse(text));
      } catch (err) {
        throw new CodeActError("usage", `${file} line ${n + 1} is not JSON: ${(err as Error).message}`);
      }
      if (!parsed.success) throw new CodeActError("usage", `${file} line ${n + 1} is not a dialogue line: ${parsed.error.issues[0]?.message}`);
      return parsed.data;
    });
    const apis = [...new Set(lines.filter((l) => l.role === "API").map((l) => l.api_name ?? ""))].sort();
    let sample = 0;
    lines.forEach((line, i) => {
      if (line.role !== "API") return;
      // Two samples per API line, numbered as upstream numbers them; only API golds are scored.
      for (const g of [i, i + 1]) {
        const id = `${file}-${sample++}`;
        const gold = lines[g];
        if (gold?.role !== "API") continue;
        items.push({ id, file, apis, history: raw.slice(0, g), gold: raw[g]!, goldName: gold.api_name ?? "", goldParams: gold.param_dict ?? {} });
      }
    });
  }
  return items;
}
