/**
 * A new user's first run that fails before the graph starts (no Docker engine answering, an MCP
 * server that does not start) leaves a store every later command can use: reading commands read it,
 * the next run writes it, and reading never creates a table in the file.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { EXIT_CODES } from "../../cli/exit-codes";
import { codeact, trajectory } from "./helpers";

const tables = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[]).map((r) => r.name);
  } finally {
    db.close();
  }
};

function dropSaverTables(file: string): void {
  const db = new Database(file);
  db.exec("DROP TABLE checkpoints; DROP TABLE writes");
  db.close();
}

describe("a first run that fails before the graph starts", () => {
  let home: string;
  beforeEach(() => void (home = mkdtempSync(join(tmpdir(), "codeact-first-"))));
  afterEach(() => rmSync(home, { recursive: true, force: true }));

  /** How the first run fails, and how the user then repairs it. */
  type Failure = { args: string[]; env: NodeJS.ProcessEnv; code: number; repair: () => void; left?: (file: string) => void };
  const noEngine = { args: [], env: { DOCKER_HOST: "unix:///nonexistent/docker.sock" }, code: EXIT_CODES.sandbox, repair: () => undefined };
  const failures: [string, (home: string) => Failure][] = [
    ["no Docker engine answers", () => noEngine],
    // Earlier versions made the saver's tables only at the first checkpoint: such a file must read too.
    ["no Docker engine answers, in a file without the saver's tables (as earlier versions left it)", () => ({ ...noEngine, left: (file) => dropSaverTables(file) })],
    [
      "an MCP server does not start",
      (h) => {
        const config = join(h, "mcp.json");
        writeFileSync(config, JSON.stringify({ mcpServers: { missing: { command: join(h, "no-such-binary"), args: [] } } }));
        // The thread keeps its tool sources: the user fixes the config file it names.
        return { args: ["--mcp", config, "--executor", "docker"], env: {}, code: EXIT_CODES.tool, repair: () => writeFileSync(config, JSON.stringify({ mcpServers: {} })) };
      },
    ],
  ];

  it.each(failures)("%s: every later command works on the store it left", async (_what, failure) => {
    const { args, env, code, repair, left } = failure(home);
    writeFileSync(join(home, "t.json"), trajectory(["print(6 * 7)"], "42"));
    const base = { CODEACT_HOME: home };
    const first = await codeact(["run", "the answer", "--scripted", join(home, "t.json"), "--thread", "first", ...args], { ...base, ...env });
    expect({ code: first.code, readonly: first.stderr.includes("readonly") }).toEqual({ code, readonly: false });
    const file = join(home, "checkpoints.sqlite");
    left?.(file);
    const before = tables(file);

    for (const cmd of [["threads"], ["threads", "--json"], ["history", "first"], ["settings", "first"], ["export", "first", "-o", join(home, "first.ipynb")]]) {
      const r = await codeact(cmd, base);
      expect({ cmd, readonly: r.stderr.includes("readonly"), stack: /\n\s+at /.test(r.stderr) }).toEqual({ cmd, readonly: false, stack: false });
    }
    // Reading changed nothing in the file.
    expect(tables(file)).toEqual(before);

    // The same thread, then a new one, once the engine (or the tools) work.
    repair();
    for (const thread of ["first", "second"]) {
      const again = await codeact(["run", "the answer", "--scripted", join(home, "t.json"), "--thread", thread, "--executor", "docker"], base);
      expect({ thread, code: again.code, err: again.stderr.includes("readonly") }).toEqual({ thread, code: 0, err: false });
    }
    const listed = await codeact(["threads", "--json"], base);
    expect(JSON.parse(listed.stdout).map((t: { threadId: string; status: string }) => [t.threadId, t.status]).sort()).toEqual([
      ["first", "done"],
      ["second", "done"],
    ]);
  }, 240_000);
});
