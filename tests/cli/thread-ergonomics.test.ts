/**
 * Many threads at once, through the real CLI on one SQLite store (scripted runs in a Docker kernel):
 * `threads` hides eval threads unless asked (--all, --eval ID) and folds sub-agent children
 * (`<parent>.<cell>.<index>`) under their parent (--tree unfolds them); `rm` takes several threads
 * or a filter, a parent's children going with it, and asks (or, without a terminal, wants --yes);
 * `files --get NAME -o -` writes the file's bytes to stdout, inert text to a terminal, and refuses
 * binary bytes there with a hint.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXIT_CODES } from "../../cli/exit-codes";
import { childOf, descendantsOf, evalIdOf, selectThreads, threadTree } from "../../cli/thread-tree";
import { codeact, root, trajectory, tsx } from "./helpers";

const EVAL_A = "eval-1a2b3c4d";
const EVAL_B = "eval-99887766";
const THREADS = ["p", "p.1.0", "p.1.1", "p.1.0.2.0", "solo", `${EVAL_A}.full.code.t1.aaaaaa`, `${EVAL_A}.full.code.t2.bbbbbb`, `${EVAL_B}.paper.json.t1.cccccc`];

const WRITE_FILES = [
  "import os",
  "os.makedirs('/workspace/outputs', exist_ok=True)",
  "open('/workspace/outputs/note.txt', 'w').write('line one\\n\\x1b]0;pwned\\x07\\x1b[2Jafter\\n')",
  "open('/workspace/outputs/blob.bin', 'wb').write(bytes(range(256)))",
  "print('wrote')",
].join("\n");

/** The CLI on a pseudo-terminal (tests/cli/pty-relay.py): what the screen shows, and the exit code. */
function atTerminal(args: string[], env: NodeJS.ProcessEnv, answer?: string): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve) => {
    const child = spawn("/usr/bin/python3", [join(__dirname, "pty-relay.py"), tsx, join(root, "cli", "main.ts"), ...args], { cwd: root, env: { ...process.env, NO_COLOR: "1", ...env }, stdio: ["pipe", "pipe", "inherit"] });
    let screen = "";
    let typed = false;
    child.stdout!.on("data", (d: Buffer) => {
      screen += d.toString("latin1");
      if (answer !== undefined && !typed && screen.includes("[y/N]")) {
        typed = true;
        child.stdin!.write(`${answer}\r`);
      }
    });
    child.on("exit", (code) => resolve({ code, screen }));
  });
}

describe("thread ergonomics", () => {
  let home: string;
  let env: NodeJS.ProcessEnv;
  const ids = async (args: string[] = []) => (JSON.parse((await codeact(["threads", "--json", ...args], env)).stdout) as { threadId: string; parent?: string }[]).map((t) => t.threadId).sort();

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), "codeact-ergo-"));
    env = { CODEACT_HOME: home };
    for (const thread of THREADS) {
      const traj = join(home, `${thread}.json`);
      writeFileSync(traj, trajectory([thread === "solo" ? WRITE_FILES : `print('${thread}')`], "ok"));
      const r = await codeact(["run", `task of ${thread}`, "--scripted", traj, "--thread", thread, "--executor", "docker"], env);
      if (r.code !== 0) throw new Error(`run ${thread}: ${r.stderr}`);
    }
  }, 300_000);
  afterAll(() => rmSync(home, { recursive: true, force: true }));

  it("threads hides eval threads unless asked, and says so", async () => {
    const plain = await codeact(["threads"], env);
    expect(plain.code).toBe(0);
    expect(plain.stdout).not.toContain("eval-");
    expect(plain.stderr).toContain("3 eval threads hidden: --all shows them, --eval ID one eval's");
    expect(await ids()).toEqual(["p", "p.1.0", "p.1.0.2.0", "p.1.1", "solo"]);
    expect(await ids(["--all"])).toEqual([...THREADS].sort());
    expect(await ids(["--eval", EVAL_A])).toEqual([`${EVAL_A}.full.code.t1.aaaaaa`, `${EVAL_A}.full.code.t2.bbbbbb`]);
    const none = await codeact(["threads", "--eval", "eval-00000000"], env);
    expect(none.stdout).toContain('No threads of eval "eval-00000000".');
  });

  it("threads folds sub-agent children under their parent; --tree unfolds them; --json names each child's parent", async () => {
    const folded = (await codeact(["threads"], env)).stdout.split("\n");
    expect(folded.filter((l) => /^p\b/.test(l))).toEqual([expect.stringMatching(/^p \(\+3 sub-agents\)\s+task of p\s+done/)]);
    expect(folded.some((l) => l.includes("p.1.0"))).toBe(false);
    const tree = (await codeact(["threads", "--tree"], env)).stdout.split("\n").map((l) => l.split(/\s{2,}(?=task of)/)[0]);
    const at = (s: string) => tree.indexOf(s);
    expect(at("p")).toBeGreaterThan(0);
    expect([at("  └ p.1.0"), at("    └ p.1.0.2.0"), at("  └ p.1.1")]).toEqual([at("p") + 1, at("p") + 2, at("p") + 3]);
    const json = JSON.parse((await codeact(["threads", "--json"], env)).stdout) as { threadId: string; parent?: string }[];
    expect(Object.fromEntries(json.map((t) => [t.threadId, t.parent ?? null]))).toEqual({ p: null, "p.1.0": "p", "p.1.1": "p", "p.1.0.2.0": "p.1.0", solo: null });
  });

  it("files --get NAME -o - writes the exact bytes to a pipe; to a terminal text is inert and binary refused", async () => {
    const text = await codeact(["files", "solo", "--get", "note.txt", "-o", "-"], env);
    expect({ code: text.code, stderr: text.stderr }).toEqual({ code: 0, stderr: "" });
    expect(text.stdout).toBe("line one\n\x1b]0;pwned\x07\x1b[2Jafter\n");
    const bin = await new Promise<Buffer>((resolve) => {
      const child = spawn(process.execPath, ["--import", "tsx", join(root, "cli", "main.ts"), "files", "solo", "--get", "blob.bin", "-o", "-"], { cwd: root, env: { ...process.env, ...env } });
      const chunks: Buffer[] = [];
      child.stdout.on("data", (d: Buffer) => chunks.push(d));
      child.on("exit", () => resolve(Buffer.concat(chunks)));
    });
    expect(bin.equals(Buffer.from(Array.from({ length: 256 }, (_, i) => i)))).toBe(true);
    const out = join(home, "copy.bin");
    expect((await codeact(["files", "solo", "--get", "blob.bin", "-o", out], env)).code).toBe(0);
    expect(readFileSync(out).equals(bin)).toBe(true);

    const shown = await atTerminal(["files", "solo", "--get", "note.txt", "-o", "-"], env);
    expect(shown.code).toBe(0);
    expect(shown.screen).not.toContain("\x1b");
    expect(shown.screen).toContain("line one");
    expect(Buffer.from(shown.screen, "latin1").toString("utf8")).toContain("␛]0;pwned␇␛[2Jafter");
    const refused = await atTerminal(["files", "solo", "--get", "blob.bin", "-o", "-"], env);
    expect(refused.code).toBe(EXIT_CODES.usage);
    expect(refused.screen).toContain("blob.bin is binary");
    expect(refused.screen).toContain("-o - > FILE");
    expect(refused.screen).not.toContain("\x00");
    expect((await codeact(["files", "solo", "-o", "-"], env)).stderr).toContain("-o/--output goes with --get NAME");
  }, 60_000);

  it("rm without --yes and without a terminal deletes nothing; with a filter it asks at a terminal", async () => {
    const refused = await codeact(["rm", "--eval", EVAL_A], env, { input: "y\n" });
    expect(refused.code).toBe(EXIT_CODES.usage);
    expect(refused.stderr).toMatch(/no terminal to confirm.*--yes/);
    const no = await atTerminal(["rm", "--eval", EVAL_A], env, "n");
    expect(no.screen).toContain(`Delete 2 threads (${EVAL_A}.full.code.t1.aaaaaa, ${EVAL_A}.full.code.t2.bbbbbb)`);
    expect(no).toEqual({ code: 1, screen: expect.stringContaining("Nothing deleted.") });
    expect(await ids(["--all"])).toEqual([...THREADS].sort());
    const missing = await codeact(["rm", "solo", "nosuch", "--yes"], env);
    expect(missing.code).toBe(EXIT_CODES.not_found);
    expect(missing.stderr).toContain('No thread "nosuch"');
    expect(await ids(["--all"])).toEqual([...THREADS].sort());
    expect((await codeact(["rm"], env)).stderr).toContain("Name the threads to delete, or choose them with --eval ID or --status STATUS.");
  }, 60_000);

  it("rm --eval ID --yes deletes that eval's threads; rm PARENT takes its children; several named threads go together", async () => {
    const byEval = await codeact(["rm", "--eval", EVAL_A, "--yes"], env);
    expect(byEval.code).toBe(0);
    expect(byEval.stderr.match(/^Deleted thread /gm)).toHaveLength(2);
    expect(await ids(["--all"])).toEqual([`${EVAL_B}.paper.json.t1.cccccc`, "p", "p.1.0", "p.1.0.2.0", "p.1.1", "solo"]);

    const parent = await codeact(["rm", "p", "--yes", "--json"], env);
    expect(parent.code).toBe(0);
    // Children first: a parent is never gone while a child remains.
    expect(parent.stdout.trim().split("\n").map((l) => (JSON.parse(l) as { thread: string }).thread)).toEqual(["p.1.1", "p.1.0.2.0", "p.1.0", "p"]);
    expect(await ids(["--all"])).toEqual([`${EVAL_B}.paper.json.t1.cccccc`, "solo"]);

    const both = await codeact(["rm", "solo", `${EVAL_B}.paper.json.t1.cccccc`, "--yes"], env);
    expect(both.code).toBe(0);
    expect(await ids(["--all"])).toEqual([]);
  }, 120_000);
});

describe("thread-tree", () => {
  it("reads eval and child ids, and folds a child only under a parent that exists", () => {
    expect(evalIdOf("eval-1a2b3c4d.full.code.x.123456")).toBe("eval-1a2b3c4d");
    expect(evalIdOf("evaluation.1")).toBeUndefined();
    expect(childOf("a.b.3.12")).toEqual({ parent: "a.b", cell: 3, index: 12 });
    expect(childOf("a.3")).toBeUndefined();
    const t = (threadId: string) => ({ threadId });
    // An eval thread whose hash is all digits looks like a child of a thread that does not exist.
    const rows = threadTree([t("x.2.0"), t("x"), t("x.10.0"), t("e.code.7.123456")], false);
    expect(rows.map((r) => [r.thread.threadId, r.depth, r.folded])).toEqual([["x", 0, 2], ["e.code.7.123456", 0, 0]]);
    expect(threadTree([t("x.10.0"), t("x"), t("x.2.0")], true).map((r) => r.thread.threadId)).toEqual(["x", "x.2.0", "x.10.0"]);
    expect(descendantsOf("x", ["x", "x.1.0", "x.1.0.1.1", "xy.1.0", "y"])).toEqual(["x.1.0", "x.1.0.1.1"]);
    expect(selectThreads([t("eval-00000000.a"), t("b")], {}).hiddenEvals).toBe(1);
  });
});
