/** A deterministic account of the cells run so far, for when no model writes a summary. */
import type { Cell } from "../../graphs/state/cell";

/** A summary written without the model: counts, names assigned, files written, the latest outcomes. */
export function digest(cells: Cell[]): string {
  const ok = cells.filter((c) => c.result.status === "ok");
  const names = new Set<string>();
  const files = new Set<string>();
  for (const c of ok) {
    for (const m of c.code.matchAll(/^([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*=[^=]/gm)) for (const n of m[1]!.split(",")) names.add(n.trim());
    for (const m of c.code.matchAll(/^(?:def|class)\s+([A-Za-z_]\w*)/gm)) names.add(m[1]!);
    for (const m of c.code.matchAll(/(?:open\(\s*|to_csv\(\s*|savefig\(\s*|to_json\(\s*)["']([^"']{1,200})["']/g)) files.add(m[1]!);
  }
  const recent = cells.slice(-12).map((c) => `- [${c.result.status}] step ${c.step + 1}: ${c.code.split("\n")[0]!.slice(0, 100)}`);
  const lastError = [...cells].reverse().find((c) => c.result.status !== "ok");
  return [
    `Done so far: ${cells.length} code actions (${ok.length} ok, ${cells.length - ok.length} failed). The latest:`,
    ...recent,
    `In the kernel: ${[...names].slice(0, 60).join(", ") || "(no assignments seen)"}`,
    files.size ? `Files written: ${[...files].slice(0, 20).join(", ")}` : "",
    lastError ? `Last failure: ${lastError.result.error ? `${lastError.result.error.ename}: ${lastError.result.error.evalue}`.slice(0, 300) : lastError.result.status}` : "",
  ]
    .filter(Boolean)
    .join("\n");
}
