/**
 * Files out through the real `codeact` CLI: a scripted run in a Docker kernel writes a CSV, a PNG, a
 * symlink to /etc/passwd and a file over the size limit under /workspace/outputs/; the run's events,
 * `codeact files`, `history` and both exports show what was kept, byte for byte, after the kernel
 * is gone. `writeInside` is checked against hostile names and planted symlinks.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync, existsSync, lstatSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Docker from "dockerode";
import { LABEL_THREAD } from "../../executors/docker-reaper";
import { writeInside } from "../../cli/files";
import { EXIT_CODES } from "../../cli/exit-codes";
import { codeact } from "./helpers";

const PLOT = `
import os, matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
os.makedirs("/workspace/outputs", exist_ok=True)
with open("/workspace/outputs/report.csv", "w") as f: f.write("a,b\\n1,2\\n")
plt.plot([1, 2, 3]); plt.savefig("/workspace/outputs/plot.png"); plt.close()
os.symlink("/etc/passwd", "/workspace/outputs/passwd")
with open("/workspace/outputs/big.bin", "wb") as f: f.write(b"x" * (2 * 1024 * 1024))
print("wrote")`;
const CHANGE = `
import os, time
with open("/workspace/outputs/report.csv", "a") as f: f.write("3,4\\n")
print("changed")`;
// Nothing new in outputs/; a file elsewhere that the answer names, and a symlink it names too.
const NOTHING = `
import os
os.makedirs("/workspace/results", exist_ok=True)
with open("/workspace/results/summary.txt", "w") as f: f.write("all good")
os.symlink("/etc/passwd", "/workspace/secret.txt")
print("nothing new in outputs")`;
const ANSWER = "See /workspace/outputs/report.csv, /workspace/results/summary.txt and /workspace/secret.txt.";

type Event = { type: string; path?: string; size?: number; sha256?: string; cell?: { notes?: string[]; files?: { path: string }[] } };

describe("codeact files", () => {
  let home: string;
  beforeAll(() => (home = mkdtempSync(join(tmpdir(), "codeact-files-"))));
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("keeps the files a run writes under /workspace/outputs/ and fetches them, exported safely, after the kernel is gone", async () => {
    const script = join(home, "script.json");
    writeFileSync(
      script,
      JSON.stringify({
        planner: ['{"steps": [{"description": "write files", "doneCriterion": "written"}]}'],
        coder: [PLOT, CHANGE, NOTHING].map((c) => `<execute>\n${c}\n</execute>`).concat([`<solution>${ANSWER}</solution>`]),
        critic: [JSON.stringify({ verdict: "done", answer: ANSWER })],
      }),
    );
    // 1 MB per file: big.bin (2 MB) is over it; the CSV and the PNG are not.
    const env = { CODEACT_HOME: home, CODEACT_ARTIFACT_MAX_MB: "1" };
    const run = await codeact(["run", "write files", "--scripted", script, "--executor", "docker", "--thread", "out1", "--json"], env);
    expect(run.stderr).not.toMatch(/Error/);
    expect(run.code).toBe(0);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as Event);
    const fileEvents = events.filter((e) => e.type === "file");
    // The first cell: CSV and PNG (not the symlink, not the big file); the second: the changed CSV; the
    // third: nothing; the answer: the file it names outside outputs/ (not the symlink, not the CSV again).
    expect(fileEvents.map((e) => e.path)).toEqual(["outputs/plot.png", "outputs/report.csv", "outputs/report.csv", "results/summary.txt"]);
    expect(fileEvents[2]!.size).toBe(12);
    const cells = events.filter((e) => e.type === "cell").map((e) => e.cell!);
    expect(cells).toHaveLength(3);
    expect(cells[0]!.files?.map((f) => f.path)).toEqual(["outputs/plot.png", "outputs/report.csv"]);
    expect(cells[2]!.files).toBeUndefined();
    // The model is told what was kept, and why big.bin was not: the file, the limit, how to raise it.
    const notes = cells[0]!.notes!.join("\n");
    expect(notes).toContain("Collected for the user: /workspace/outputs/plot.png");
    expect(notes).toMatch(/big\.bin \(2\.0 MB\) was not collected: it is over the per-file limit of 1\.0 MB .*CODEACT_ARTIFACT_MAX_MB/);
    expect(notes).not.toContain("passwd");
    expect(cells[2]!.notes ?? []).toEqual([]);

    // The kernel is gone with the run.
    const left = await new Docker().listContainers({ all: true, filters: { label: [`${LABEL_THREAD}=out1`] } });
    expect(left).toEqual([]);

    const list = await codeact(["files", "out1", "--json"], env);
    expect(list.code).toBe(0);
    const listed = JSON.parse(list.stdout) as { name: string; size: number; cell: number; versions: number }[];
    expect(listed.map((f) => [f.name, f.size, f.cell, f.versions])).toEqual([
      ["plot.png", expect.any(Number), 1, 1],
      ["report.csv", 12, 2, 2],
      ["results/summary.txt", 8, null, 1],
    ]);
    const table = await codeact(["files", "out1"], env);
    expect(table.stdout).toContain("report.csv");
    expect(table.stdout).toContain("#2 (step 1)");

    const out = join(home, "fetched");
    const get = await codeact(["files", "out1", "--get", "report.csv", "--out", out], env);
    expect(get.code).toBe(0);
    expect(readFileSync(join(out, "report.csv"), "utf8")).toBe("a,b\n1,2\n3,4\n");
    expect(readdirSync(out)).toEqual(["report.csv"]);
    // --get without --out: ./<thread>-files in the current folder.
    expect((await codeact(["files", "out1", "--get", "plot.png"], env, { cwd: home })).code).toBe(0);
    expect(readdirSync(join(home, "out1-files"))).toEqual(["plot.png"]);
    const all = await codeact(["files", "out1", "--out", join(home, "all")], env);
    expect(all.code).toBe(0);
    expect(readdirSync(join(home, "all")).sort()).toEqual(["plot.png", "report.csv", "results"]);
    expect(readFileSync(join(home, "all", "results", "summary.txt"), "utf8")).toBe("all good");
    expect(readFileSync(join(home, "all", "plot.png")).subarray(1, 4).toString()).toBe("PNG");
    const missing = await codeact(["files", "out1", "--get", "passwd"], env);
    expect(missing.code).toBe(EXIT_CODES.not_found);
    expect(missing.stderr).toContain('No file "passwd" in this thread; its files: plot.png, report.csv, results/summary.txt');

    const history = await codeact(["history", "out1", "--json"], env);
    const points = JSON.parse(history.stdout) as { summary: string; checkpointId: string; next: string[] }[];
    expect(points.some((h) => h.summary.includes("files report.csv"))).toBe(true);

    // A branch reads the files of the cells it starts with, from the same store.
    const at = points.filter((p) => p.next.length && p.summary.includes("3 cells")).at(-1)!;
    const branched = await codeact(["branch", "out1", "--at", at.checkpointId, "--name", "out1b", "--no-run"], env);
    expect(branched.stderr).toContain("Branched");
    expect(branched.code).toBe(0);
    const fromBranch = await codeact(["files", "out1b", "--get", "report.csv", "--out", join(home, "branch")], env);
    expect(fromBranch.code).toBe(0);
    expect(readFileSync(join(home, "branch", "report.csv"), "utf8")).toBe("a,b\n1,2\n3,4\n");

    const html = join(home, "out1.html");
    expect((await codeact(["export", "out1", "--format", "html", "-o", html], env)).code).toBe(0);
    const page = readFileSync(html, "utf8");
    expect(page).toContain(`<a download="report.csv" href="data:application/octet-stream;base64,${Buffer.from("a,b\n1,2\n3,4\n").toString("base64")}">outputs/report.csv</a>`);
    expect(page).toContain(`<a download="report.csv" href="data:application/octet-stream;base64,${Buffer.from("a,b\n1,2\n").toString("base64")}">`);
    expect(page).toContain("Content-Security-Policy");
    expect(page).not.toMatch(/<script|data:text\/html/i);

    const ipynb = join(home, "out1.ipynb");
    expect((await codeact(["export", "out1", "-o", ipynb], env)).code).toBe(0);
    const nb = JSON.parse(readFileSync(ipynb, "utf8")) as { cells: { cell_type: string; source: string; attachments?: Record<string, Record<string, string>> }[] };
    const kept = nb.cells.filter((c) => c.attachments);
    expect(kept).toHaveLength(3);
    expect(Buffer.from(kept[2]!.attachments!["file1.txt"]!["application/octet-stream"]!, "base64").toString()).toBe("all good");
    expect(page).toContain(`<a download="summary.txt" href="data:application/octet-stream;base64,${Buffer.from("all good").toString("base64")}">results/summary.txt</a>`);
    const first = kept[0]!;
    expect(first.source).toContain("](attachment:file2.csv)");
    expect(Buffer.from(first.attachments!["file2.csv"]!["application/octet-stream"]!, "base64").toString()).toBe("a,b\n1,2\n");
    expect(Object.keys(first.attachments!["file1.png"]!)).toEqual(["image/png"]);
    expect(first.source).toContain("![plot\\.png](attachment:file1.png)");
    expect(Buffer.from(kept[1]!.attachments!["file1.csv"]!["application/octet-stream"]!, "base64").toString()).toBe("a,b\n1,2\n3,4\n");
  }, 240_000);

  it("never writes outside --out: hostile names and symlinks planted in the folder are refused", () => {
    const out = join(home, "safe");
    const outside = join(home, "outside");
    mkdirSync(outside, { recursive: true });
    for (const name of ["../evil", "/etc/evil", "a/../../evil", "a\u001b[31m", "a\u202eb", "", ".", "a//b", "a\\..\\evil"]) {
      expect(() => writeInside(out, name, Buffer.from("x"))).toThrow(/Refusing/);
    }
    mkdirSync(out, { recursive: true });
    symlinkSync(outside, join(out, "link"));
    expect(() => writeInside(out, "link/evil", Buffer.from("x"))).toThrow(/not a folder/);
    symlinkSync(join(outside, "target"), join(out, "file.txt"));
    expect(() => writeInside(out, "file.txt", Buffer.from("x"))).toThrow(/symlink/);
    expect(existsSync(join(outside, "evil"))).toBe(false);
    expect(existsSync(join(outside, "target"))).toBe(false);
    expect(readdirSync(outside)).toEqual([]);
    expect(writeInside(out, "sub/dir/ok.txt", Buffer.from("fine"))).toBe(join(out, "sub", "dir", "ok.txt"));
    expect(lstatSync(join(out, "sub")).isDirectory()).toBe(true);
    expect(readFileSync(join(out, "sub", "dir", "ok.txt"), "utf8")).toBe("fine");
  });
});
