/**
 * Nothing a run produced may act when a person opens what codeact wrote: the HTML export and the
 * saved images. A real run (scripted model, Docker kernel) publishes hostile outputs; the export is
 * opened in headless Chromium, and every payload tries to reach a local server: it must hear nothing.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isInertSvg } from "../../exports/media";
import { codeact, trajectory } from "./helpers";

const chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find((p) => existsSync(p));

/** Opens a page in headless Chromium and lets it run (scripts, subresources) before returning its DOM. */
function openInChromium(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const args = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", `--user-data-dir=${mkdtempSync(join(tmpdir(), "chromium-"))}`, "--virtual-time-budget=5000", "--dump-dom", `file://${file}`];
    const child = spawn(chromium!, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.on("error", reject);
    child.on("exit", () => resolve(out));
  });
}

describe("exports and saved files are inert", () => {
  let home: string;
  let server: Server;
  let heard: string[];
  let base: string;
  beforeEach(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-export-"));
    heard = [];
    server = createServer((req, res) => {
      heard.push(req.url ?? "");
      res.end("pwned");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    rmSync(home, { recursive: true, force: true });
  });

  it("an HTML export of hostile outputs runs no script and makes no request; a hostile SVG is saved as text", async () => {
    const hostile = `
from IPython.display import publish_display_data  # \u202e reads reversed
B = ${JSON.stringify(base)}
publish_display_data({"image/png": 'x" onerror="fetch(\\'' + B + '/png-onerror\\')" x="', "text/plain": "png"})
publish_display_data({"text/html": "<script>fetch('" + B + "/html-script')</script><img src='" + B + "/html-img'><div style='background:url(" + B + "/html-css)'>bold</div><meta http-equiv='refresh' content='0;url=" + B + "/html-refresh'>"})
publish_display_data({"image/svg+xml": "<svg xmlns='http://www.w3.org/2000/svg' onload=\\"fetch('" + B + "/svg-onload')\\"><script>fetch('" + B + "/svg-script')</script><circle r='5'/></svg>"})
print("</pre><script>fetch('" + B + "/stdout')</script>")`;
    const plot = `
import io, matplotlib.pyplot as plt
from IPython.display import SVG, display
buf = io.StringIO(); plt.plot([1, 2, 3]); plt.savefig(buf, format="svg"); plt.close()
display(SVG(buf.getvalue()))`;
    const script = join(home, "script.json");
    writeFileSync(script, trajectory([hostile, plot], `<img src="x" onerror="fetch('${base}/answer')">`));
    const out = join(home, "images");
    const env = { CODEACT_HOME: home };
    const run = await codeact(["run", "hostile outputs", "--scripted", script, "--executor", "docker", "--thread", "hostile", "--out", out], env);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);

    // Saved images: the hostile SVG only as text; matplotlib's own SVG as an image.
    const saved = readdirSync(out).sort();
    const svgs = saved.filter((f) => f.endsWith(".svg"));
    expect(saved.filter((f) => f.endsWith(".svg.txt"))).toHaveLength(1);
    expect(svgs).toHaveLength(1);
    expect(readFileSync(join(out, svgs[0]!), "utf8")).not.toMatch(/<script|onload|onerror/i);
    expect(saved.filter((f) => f.endsWith(".png"))).toHaveLength(0); // the "png" was not base64

    const page = join(home, "run.html");
    const exp = await codeact(["export", "hostile", "--format", "html", "-o", page], env);
    expect(exp.code).toBe(0);
    const html = readFileSync(page, "utf8");
    expect(html).toContain('http-equiv="Content-Security-Policy"');
    expect(html).not.toMatch(/<img[^>]*onerror/i);
    expect(html).not.toMatch(/<script/i); // outside srcdoc everything is escaped; inside it, too
    expect(html).toMatch(/<iframe sandbox srcdoc="[^"]*&lt;script&gt;/);
    expect(html).toContain("data:image/svg+xml;base64,");
    expect(html).toContain("publish_display_data  # &lt;U+202E&gt; reads reversed"); // Trojan Source shown, not obeyed
    expect(html).not.toContain("\u202e");

    // Jupyter runs no script of an unsigned notebook; the run's own text is not HTML there at all.
    const nbPath = join(home, "run.ipynb");
    expect((await codeact(["export", "hostile", "--format", "ipynb", "-o", nbPath], env)).code).toBe(0);
    const markdown = (JSON.parse(readFileSync(nbPath, "utf8")) as { cells: { cell_type: string; source: string }[] }).cells.filter((c) => c.cell_type === "markdown");
    expect(markdown.map((c) => c.source).join("\n")).toContain('&lt;img src="x" onerror=');
    expect(markdown.map((c) => c.source).join("\n")).not.toMatch(/<img/);

    if (!chromium) return; // .ci/run installs chromium; without it the structure above is the check
    // The harness must be able to see a script run: a page without the protections does reach us.
    const control = join(home, "control.html");
    writeFileSync(control, `<!doctype html><script>fetch("${base}/control")</script>`);
    await openInChromium(control);
    expect(heard).toContain("/control");
    heard.length = 0;

    const dom = await openInChromium(page);
    expect(dom).toContain("hostile outputs"); // the page did load
    expect(heard).toEqual([]);
  }, 180_000);

  it("keeps matplotlib's SVGs as images and refuses active or unknown SVG content", () => {
    const plot = spawnSync("/usr/bin/python3", ["-c", "import io, sys, matplotlib; matplotlib.use('svg'); import matplotlib.pyplot as plt; plt.rcParams['svg.fonttype'] = 'none'; plt.imshow([[1, 2], [3, 4]]); plt.title('a < b & c'); b = io.StringIO(); plt.savefig(b, format='svg'); sys.stdout.write(b.getvalue())"], { encoding: "utf8" });
    expect(plot.status).toBe(0);
    expect(isInertSvg(plot.stdout)).toBe(true);
    const svg = (inner: string, attrs = "") => `<svg xmlns="http://www.w3.org/2000/svg"${attrs}>${inner}</svg>`;
    expect(isInertSvg(svg('<circle r="5"/>'))).toBe(true);
    for (const bad of [
      svg("<script>alert(1)</script>"),
      svg('<circle r="5"/>', ' onload="alert(1)"'),
      svg('<circle r="5" ONCLICK="alert(1)"/>'),
      svg('<foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'),
      svg('<a href="javascript:alert(1)"><circle r="5"/></a>'),
      svg('<use href="https://example.com/x.svg#a"/>'),
      svg('<use xlink:href="java&#x73;cript:alert(1)"/>', ' xmlns:xlink="http://www.w3.org/1999/xlink"'),
      svg('<image href="http://127.0.0.1/beacon.png"/>'),
      svg('<rect style="fill:url(http://127.0.0.1/x)"/>'),
      svg("<style>@import url(http://127.0.0.1/x.css);</style>"),
      svg('<dc:script xmlns:dc="http://www.w3.org/1999/xhtml">alert(1)</dc:script>'),
      svg('<set attributeName="href" to="javascript:alert(1)"/>'),
      `<!DOCTYPE svg [<!ENTITY x "y">]>${svg("<text>&x;</text>")}`,
      `<?xml-stylesheet href="x.xsl" type="text/xsl"?>${svg("")}`,
      svg("<circle r='5'/><<script>alert(1)</script>"),
      "<html><script>alert(1)</script></html>",
    ]) {
      expect([bad, isInertSvg(bad)]).toEqual([bad, false]);
    }
  });
});
