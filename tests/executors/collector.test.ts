import { OutputCollector } from "../../executors/collector";
import { DEFAULT_RICH_LIMITS } from "../../executors/rich-budget";

const MAX_RICH_CHARS_PER_CELL = DEFAULT_RICH_LIMITS.maxChars;

describe("OutputCollector per-cell budget", () => {
  it("drops rich outputs beyond the cell's budget, counts them and says so", () => {
    const c = new OutputCollector(100_000);
    const html = "<p>" + "x".repeat(99_000) + "</p>";
    const n = Math.ceil(MAX_RICH_CHARS_PER_CELL / html.length) + 50;
    for (let i = 0; i < n; i++) c.handle({ header: { msg_type: "display_data" }, content: { data: { "text/html": html } } });
    const r = c.finish({ status: "ok", durationMs: 1 });
    const kept = r.results.reduce((s, o) => s + (o.data["text/html"]?.length ?? 0), 0);
    expect(kept).toBeLessThanOrEqual(MAX_RICH_CHARS_PER_CELL);
    expect(r.results.length).toBeLessThan(n);
    expect(r.truncated).toBe(true);
    expect(r.results.at(-1)?.data["text/plain"]).toMatch(/more outputs \(0 figures\) not kept: per-cell limit/);
  });
});
