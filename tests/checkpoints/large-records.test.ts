/**
 * Large tool call records and images in a real run (Docker kernel, scripted models): they go to the
 * artifact store of the checkpointer (SQLite file, Postgres database), the checkpoint rows stay
 * small, and replay on a fresh kernel answers the recorded call exactly, without running the tool.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { tool } from "@langchain/core/tools";
import Database from "better-sqlite3";
import pg from "pg";
import { z } from "zod";
import { resolveCells } from "../../checkpoints/artifacts/cells";
import { rehydrate } from "../../nodes/kernel/rehydrate";
import { type Checkpointer, createCheckpointer } from "../../checkpoints/savers";
import { readThreadState } from "../../graphs/threads";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { formatObservation } from "../../nodes/prompting/observation";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { ToolBridge } from "../../tools/bridge";
import { createTestDatabase, type TestDatabase } from "../helpers/postgres";

const plan = JSON.stringify({ steps: [{ description: "do it", doneCriterion: "done" }] });
const done = JSON.stringify({ verdict: "done", answer: "ok" });
const models = (code: string) => ({
  planner: new ScriptedChatModel({ script: [plan] }),
  coder: new ScriptedChatModel({ script: [`<execute>\n${code}\n</execute>`, "<solution>ok</solution>"] }),
  critic: new ScriptedChatModel({ script: [done] }),
});

let executor: DockerJupyterExecutor;
beforeAll(async () => {
  executor = new DockerJupyterExecutor();
  await executor.start();
}, 60_000);
afterAll(() => executor?.shutdown());

describe("large records in a run", () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), "codeact-records-"))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it("a 30 MB tool argument (echoed back: a 60 MB record) is kept in the store; replay on a fresh kernel is exact and runs no tool", async () => {
    const calls = { n: 0 };
    const echo = tool(
      async ({ text }) => {
        calls.n++;
        return text;
      },
      { name: "echo", description: "Returns its text.", schema: z.object({ text: z.string() }) },
    );
    const bridge = new ToolBridge([echo]);
    const path = join(dir, "cp.sqlite");
    const store = await createCheckpointer({ kind: "sqlite", path });
    const fresh = new DockerJupyterExecutor();
    try {
      // Seeded: replay runs the same code, which must make the same call to be answered from the recording.
      const code = "import base64, hashlib, random\ns = base64.b64encode(random.Random(7).randbytes(22_500_000)).decode()\nr = echo(text=s)\nh = hashlib.sha256(r.encode()).hexdigest()\nprint(len(s), r == s)";
      const graph = createCodeActGraph({ models: models(code), executor, tools: bridge, checkpointer: store.saver, artifacts: store.artifacts });
      const final = await runCodeAct(graph, "echo a big text", { threadId: "big-tool" });
      expect(final.cells[0]!.result.stdout).toBe("30000000 True\n");
      expect(calls.n).toBe(1);

      const db = new Database(path, { readonly: true });
      const biggestWrite = (db.prepare("SELECT MAX(LENGTH(value)) AS n FROM writes").get() as { n: number }).n;
      db.close();
      expect(biggestWrite).toBeLessThan(64 * 1024);

      const state = await readThreadState(store.saver, "big-tool");
      const call = state.cells[0]!.result.toolCalls[0]!;
      expect(call.artifacts?.args?.encoding).toBe("json");
      expect(call.artifacts?.result?.bytes).toBe(30_000_002); // the JSON string, quotes included
      expect(String(call.args)).toMatch(/^\{"text":".{100,}… \[28\.6 MB in artifact [0-9a-f]{12}\]$/);

      const report = await rehydrate(fresh, state.cells, bridge, { store: store.artifacts, threadId: "big-tool" });
      expect(report).toMatchObject({ replayed: 1, failed: [] });
      expect(calls.n).toBe(1);
      const [a, b] = await Promise.all([executor.execute("print(h)"), fresh.execute("print(h, r == s)")]);
      expect(b.stdout).toBe(`${a.stdout.trim()} True\n`);

      // Without the store's bytes the replay cannot answer: it says so (briefly) instead of inventing a result.
      const blind = await rehydrate(fresh, state.cells, bridge, { store: store.artifacts, threadId: "someone-else" });
      expect(blind.failed[0]?.error).toMatch(/replay failed: the recorded args of tool call echo/);
      expect(blind.failed[0]!.error.length).toBeLessThan(1000);
    } finally {
      await fresh.shutdown();
      await store.close();
    }
  }, 240_000);

  it("on Postgres, images go to the artifact table of the same database and export reads them back", async () => {
    const pgdb: TestDatabase = createTestDatabase();
    let store: Checkpointer | undefined;
    try {
      store = await createCheckpointer({ kind: "postgres", connectionString: pgdb.url });
      const code = "import base64, numpy as np\nfrom IPython.display import display\nfor i in range(3):\n    display({'image/png': base64.b64encode(np.random.bytes(1_000_000)).decode()}, raw=True)";
      const graph = createCodeActGraph({ models: models(code), executor, checkpointer: store.saver, artifacts: store.artifacts });
      const final = await runCodeAct(graph, "three images", { threadId: "pg-img" });
      expect(final.cells[0]!.result.results.map((o) => Object.keys(o.artifacts ?? {}))).toEqual([["image/png"], ["image/png"], ["image/png"]]);
      // The model still learns that figures were shown.
      expect(formatObservation(final.cells[0]!.result, 10_000).match(/\[a figure was displayed\]/g)).toHaveLength(3);

      const client = new pg.Client({ connectionString: pgdb.url });
      await client.connect();
      const writes = await client.query<{ n: number }>("SELECT MAX(LENGTH(blob)) AS n FROM checkpoint_writes");
      const arts = await client.query<{ n: string }>("SELECT COUNT(*) AS n FROM codeact_artifacts a JOIN codeact_artifact_links l USING (sha256) WHERE l.thread_id = 'pg-img' AND a.bytes = 1000000");
      await client.end();
      expect(writes.rows[0]!.n).toBeLessThan(64 * 1024);
      expect(Number(arts.rows[0]!.n)).toBe(3);

      const state = await readThreadState(store.saver, "pg-img");
      const cells = await resolveCells(state.cells, { store: store.artifacts, threadId: "pg-img" });
      expect(cells[0]!.result.results.map((o) => Buffer.from(o.data["image/png"]!, "base64").length)).toEqual([1_000_000, 1_000_000, 1_000_000]);
    } finally {
      await store?.close();
      pgdb.drop();
    }
  }, 180_000);
});
