/**
 * The SQLite checkpoint file in awkward places: a directory given as the file, a read-only mount
 * (reading commands work, writing ones say the path cannot be written, not that it is damaged), and
 * branching from the very first checkpoint of a run.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCheckpointer } from "../../checkpoints/savers";
import { threadGraph } from "../../graphs/codeact";
import { EXIT_CODES } from "../../cli/exit-codes";
import { readThreadState } from "../../graphs/threads";
import { codeact } from "./helpers";

const plan = JSON.stringify({ steps: [{ description: "answer", doneCriterion: "answered" }] });
const answerOnly = (answer: string) => JSON.stringify({ planner: [plan], coder: [`<solution>${answer}</solution>`], critic: [JSON.stringify({ verdict: "done", answer })] });

describe("SQLite checkpoint file", () => {
  let base: string;
  beforeEach(() => void (base = mkdtempSync(join(tmpdir(), "codeact-sqlite-"))));
  afterEach(() => rmSync(base, { recursive: true, force: true }));

  it("a directory given as --checkpoints is named in a clear error, for reading and writing commands", async () => {
    const dir = join(base, "store");
    mkdirSync(dir);
    writeFileSync(join(base, "t.json"), answerOnly("1"));
    for (const args of [["threads", "--checkpoints", dir], ["history", "x", "--checkpoints", dir], ["run", "t", "--scripted", join(base, "t.json"), "--executor", "docker", "--checkpoints", dir]]) {
      const r = await codeact(args, { CODEACT_HOME: base });
      expect({ args, code: r.code }).toEqual({ args, code: EXIT_CODES.usage });
      expect(r.stderr).toContain(`codeact: ${dir} is a directory, not a checkpoint file. Pass a file path to --checkpoints (e.g. ${join(dir, "checkpoints.sqlite")})`);
      expect(r.stderr).not.toMatch(/EISDIR|\n\s+at /);
    }
  }, 120_000);

  describe("on a read-only mount", () => {
    let mounted: string | undefined;
    afterEach(() => {
      if (mounted) spawnSync("umount", [mounted]);
      mounted = undefined;
    });

    it("threads, history and export work; run and resume say the file cannot be written", async () => {
      const src = join(base, "src");
      const ro = join(base, "ro");
      mkdirSync(src);
      mkdirSync(ro);
      writeFileSync(join(base, "t.json"), answerOnly("42"));
      const made = await codeact(["run", "the answer", "--scripted", join(base, "t.json"), "--thread", "ro-1", "--executor", "docker", "--checkpoints", join(src, "checkpoints.sqlite")], { CODEACT_HOME: base });
      expect({ code: made.code, err: made.stderr }).toEqual({ code: 0, err: expect.any(String) });
      // Root ignores permission bits, so only a read-only mount makes the file truly unwritable here.
      execFileSync("mount", ["--bind", "-o", "ro", src, ro]);
      mounted = ro;
      expect(spawnSync("touch", [join(ro, "probe")]).status).not.toBe(0);
      const file = join(ro, "checkpoints.sqlite");
      const env = { CODEACT_HOME: join(base, "home") };

      const threads = await codeact(["threads", "--json", "--checkpoints", file], env);
      expect({ code: threads.code, err: threads.stderr }).toEqual({ code: 0, err: "" });
      expect(JSON.parse(threads.stdout).map((t: { threadId: string; status: string }) => [t.threadId, t.status])).toEqual([["ro-1", "done"]]);
      const history = await codeact(["history", "ro-1", "--json", "--checkpoints", file], env);
      expect({ code: history.code, err: history.stderr }).toEqual({ code: 0, err: "" });
      expect(JSON.parse(history.stdout).length).toBeGreaterThan(2);
      const out = join(base, "ro-1.ipynb");
      const exported = await codeact(["export", "ro-1", "-o", out, "--checkpoints", file], env);
      expect({ code: exported.code, err: exported.stderr }).toEqual({ code: 0, err: "" });
      expect(JSON.parse(readFileSync(out, "utf8")).metadata.codeact.status).toBe("done");

      for (const args of [["resume", "ro-1", "--scripted", join(base, "t.json"), "--executor", "docker", "--checkpoints", file], ["run", "again", "--scripted", join(base, "t.json"), "--executor", "docker", "--checkpoints", file]]) {
        const r = await codeact(args, env);
        expect({ args, code: r.code }).toEqual({ args, code: EXIT_CODES.store });
        expect(r.stderr).toContain(`codeact: Cannot write ${file} (read-only file system). Runs, resumes and branches write checkpoints: point --checkpoints or CODEACT_HOME at a writable place.`);
        expect(r.stderr).not.toMatch(/damaged|\n\s+at /);
      }
      // Nothing was written to the store's directory.
      expect(existsSync(join(src, "checkpoints.sqlite-wal"))).toBe(false);
    }, 180_000);
  });

  it("history lists only checkpoints one can branch from; branching at the run's first one (or its input checkpoint) reruns it from the planner", async () => {
    const env = { CODEACT_HOME: base };
    writeFileSync(join(base, "t.json"), answerOnly("7"));
    const made = await codeact(["run", "seven", "--scripted", join(base, "t.json"), "--thread", "start-1", "--executor", "docker"], env);
    expect(made.code).toBe(0);
    const history = JSON.parse((await codeact(["history", "start-1", "--json"], env)).stdout) as { checkpointId: string; next: string[]; summary: string }[];
    expect(history.map((h) => h.summary)).not.toContain("(start)");
    expect(history[0]!.next).toEqual(["planner"]);

    // The input checkpoint older versions listed as "(start)".
    const store = await createCheckpointer({ kind: "sqlite", path: join(base, "checkpoints.sqlite") });
    let input = "";
    try {
      for await (const s of threadGraph(store.saver).getStateHistory({ configurable: { thread_id: "start-1" } })) input = String(s.config.configurable?.checkpoint_id);
    } finally {
      await store.close();
    }
    expect(history.map((h) => h.checkpointId)).not.toContain(input);

    for (const [at, name] of [[history[0]!.checkpointId, "start-1-again"], [input, "start-1-input"]] as const) {
      const branched = await codeact(["branch", "start-1", "--at", at, "--name", name, "--no-run"], env);
      expect({ code: branched.code, err: branched.stderr }).toEqual({ code: 0, err: expect.stringContaining(`codeact resume ${name}`) });
      writeFileSync(join(base, "again.json"), answerOnly("8"));
      const resumed = await codeact(["resume", name, "--scripted", join(base, "again.json"), "--executor", "docker"], env);
      expect({ code: resumed.code, err: resumed.stderr }).toEqual({ code: 0, err: expect.any(String) });
      expect(resumed.stdout).toContain("Plan");
      const cp = await createCheckpointer({ kind: "sqlite", path: join(base, "checkpoints.sqlite") });
      try {
        const state = await readThreadState(cp.saver, name);
        expect([state.task, state.answer]).toEqual(["seven", "8"]);
      } finally {
        await cp.close();
      }
    }
  }, 180_000);
});
