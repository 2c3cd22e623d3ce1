/**
 * A cell that displays many large images, run through the real `codeact` CLI (scripted models,
 * Docker kernel, default SQLite checkpoints): the checkpoint file's size, the CLI's peak RSS, and
 * whether `history` and `export` still read the thread afterwards. Last line: JSON.
 *
 *   BENCH_IMAGES=40 BENCH_IMAGE_BYTES=5000000 tsx bench/images.ts
 *
 * 5,000,000 random bytes are ~6.7 MB of base64 per image, like the report in issue #8.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const IMAGES = Number(process.env.BENCH_IMAGES ?? 40);
const BYTES = Number(process.env.BENCH_IMAGE_BYTES ?? 5_000_000);
const root = join(__dirname, "..");
const tsx = join(root, "node_modules", ".bin", "tsx");

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stderr: string; stdout: string; maxRssKb?: number }> {
  return new Promise((resolve) => {
    // GNU time reports the peak RSS of the whole process tree it waited for (tsx runs node as a child).
    const child = spawn("/usr/bin/time", ["-f", "MAXRSS_KB=%M", tsx, join(root, "cli", "main.ts"), ...args], {
      cwd: root,
      env: { ...process.env, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
    child.stderr.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
    child.on("exit", (code) => {
      const rss = /MAXRSS_KB=(\d+)/.exec(stderr);
      resolve({ code, stdout, stderr: stderr.replace(/MAXRSS_KB=\d+\n?/, ""), maxRssKb: rss ? Number(rss[1]) : undefined });
    });
  });
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), "codeact-bench-img-"));
  try {
    const db = join(home, "checkpoints.sqlite");
    const script = join(home, "script.json");
    const code = [
      "import base64, numpy as np",
      "from IPython.display import display",
      `for i in range(${IMAGES}):`,
      `    display({'image/png': base64.b64encode(np.random.bytes(${BYTES})).decode()}, raw=True)`,
      "print('shown')",
    ].join("\n");
    writeFileSync(
      script,
      JSON.stringify({
        planner: [JSON.stringify({ steps: [{ description: "show images", doneCriterion: "shown" }] })],
        coder: [`<execute>\n${code}\n</execute>`, "<solution>shown</solution>"],
        critic: [JSON.stringify({ verdict: "next", feedback: "" }), JSON.stringify({ verdict: "done", answer: "shown" })],
      }),
    );
    const env = { CODEACT_HOME: home };
    const started = performance.now();
    const r = await run(["run", "show images", "--scripted", script, "--executor", "docker", "--thread", "img", "--checkpoints", db, "--out", join(home, "plots")], env);
    const runSeconds = (performance.now() - started) / 1000;
    const dbBytes = statSync(db).size + (statSync(`${db}-wal`, { throwIfNoEntry: false })?.size ?? 0);
    const history = await run(["history", "img", "--checkpoints", db, "--json"], env);
    const nbPath = join(home, "img.ipynb");
    const exp = await run(["export", "img", "--checkpoints", db, "-o", nbPath], env);
    let notebookImages = 0;
    if (exp.code === 0) {
      const nb = JSON.parse(readFileSync(nbPath, "utf8")) as { cells: { outputs?: { data?: Record<string, string> }[] }[] };
      notebookImages = nb.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.data?.["image/png"]).length;
    }
    if (r.code !== 0) process.stderr.write(`run stderr (tail):\n${r.stderr.slice(-2000)}\n`);
    console.log(
      JSON.stringify({
        images: IMAGES,
        imageBase64Mb: +((Math.ceil(BYTES / 3) * 4) / 1e6).toFixed(2),
        runExit: r.code,
        runSeconds: +runSeconds.toFixed(1),
        cliPeakRssMb: r.maxRssKb ? Math.round(r.maxRssKb / 1024) : null,
        sqliteMb: +(dbBytes / 1e6).toFixed(1),
        historyExit: history.code,
        exportExit: exp.code,
        exportError: exp.code === 0 ? undefined : exp.stderr.split("\n").find((l) => l.trim()) ?? "",
        notebookImages,
      }),
    );
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

void main();
