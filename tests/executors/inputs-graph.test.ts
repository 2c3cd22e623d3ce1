/**
 * Inputs through the library and the graph's own input (what a LangGraph server caller sends): paths
 * and bytes reach the kernel, the thread keeps them (artifact store, or inline without one), the
 * model is told about them, and hostile entries are refused with a sentence, not a zod dump.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemorySaver } from "@langchain/langgraph";
import { LocalJupyterExecutor } from "../../executors/local";
import { createCodeActGraph } from "../../graphs/codeact";
import { runCodeAct } from "../../graphs/run";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { MemoryArtifactStore } from "../../checkpoints/artifacts/memory";
import { sha256Hex } from "../../checkpoints/artifacts/store";

const plan = JSON.stringify({ steps: [{ description: "read the inputs", doneCriterion: "printed" }] });
const done = JSON.stringify({ verdict: "done", answer: "ok" });

function models(code: string) {
  return {
    planner: new ScriptedChatModel({ script: [plan] }),
    coder: new ScriptedChatModel({ script: [`<execute>\n${code}\n</execute>`, "<solution>ok</solution>"] }),
    critic: new ScriptedChatModel({ script: [done] }),
  };
}

const stdoutOf = (state: { cells: { result: { stdout: string } }[] }) => state.cells.map((c) => c.result.stdout).join("");

describe("inputs through the library and the graph input (local kernel)", () => {
  let dir: string;
  let executor: LocalJupyterExecutor;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-inputs-lib-"));
    mkdirSync(join(dir, "tables"));
    writeFileSync(join(dir, "tables", "t.csv"), "a,b\n1,2\n");
  });
  beforeEach(() => {
    executor = new LocalJupyterExecutor({ warn: () => undefined });
  });
  afterEach(() => executor.shutdown());
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("runCodeAct takes paths and bytes; the bytes go to the thread's artifact store; the model is told", async () => {
    const m = models("print(open('inputs/tables/t.csv').read().split()[1], open('inputs/notes.txt').read())");
    const graph = createCodeActGraph({ models: m, executor, checkpointer: new MemorySaver() });
    const state = await runCodeAct(graph, "read them", { threadId: "lib-1", inputs: [join(dir, "tables"), { name: "notes.txt", data: "hello" }] });
    expect(stdoutOf(state)).toContain("1,2 hello");
    expect(state.inputs).toEqual([
      { name: "tables/t.csv", sha256: sha256Hex(Buffer.from("a,b\n1,2\n")), size: 8 },
      { name: "notes.txt", sha256: sha256Hex(Buffer.from("hello")), size: 5 },
    ]);
    expect((await graph.artifacts!.get("lib-1", sha256Hex(Buffer.from("hello"))))?.toString()).toBe("hello");
    const told = [...m.planner.calls, ...m.coder.calls].flat().map((msg) => String(msg.content)).join("\n");
    expect(told).toContain("inputs/tables/t.csv (8 B)");
    expect(told).toContain("inputs/notes.txt (5 B)");
  });

  it("keeps equal bytes once (content-addressed), and names the file when the thread's artifact limit is reached", async () => {
    const store = new MemoryArtifactStore({ maxArtifactBytes: 64 * 1024 * 1024, maxThreadBytes: 100 });
    const graph = createCodeActGraph({ models: models("print(open('inputs/a.txt').read(), open('inputs/b.txt').read())"), executor, checkpointer: new MemorySaver(), artifacts: store });
    const state = await runCodeAct(graph, "read them", { threadId: "dedup", inputs: [{ name: "a.txt", data: "same" }, { name: "b.txt", data: "same" }] });
    expect(stdoutOf(state)).toContain("same same");
    expect(await store.list("dedup")).toHaveLength(1);
    await expect(runCodeAct(graph, "again", { threadId: "full", inputs: [{ name: "fits.txt", data: "x".repeat(60) }, { name: "too-much.txt", data: "y".repeat(60) }] })).rejects.toThrow(
      /Input file "too-much\.txt" cannot be kept with the thread: .*CODEACT_THREAD_ARTIFACTS_MAX_MB/,
    );
  });

  it("without an artifact store the bytes ride inline, as a server caller sends them ({ name, base64 })", async () => {
    const graph = createCodeActGraph({ models: models("print(open('inputs/srv.csv').read().strip())"), executor, checkpointer: new MemorySaver(), artifacts: null });
    const config = { configurable: { thread_id: "srv-1" }, recursionLimit: graph.recursionLimit };
    const state = await graph.invoke({ task: "read it", inputs: [{ name: "srv.csv", base64: Buffer.from("x,y").toString("base64") }] }, config);
    expect(stdoutOf(state)).toContain("x,y");
    expect(state.inputs).toEqual([{ name: "srv.csv", sha256: sha256Hex(Buffer.from("x,y")), size: 3, base64: Buffer.from("x,y").toString("base64") }]);
  });

  it("refuses hostile entries with a plain sentence", async () => {
    const graph = createCodeActGraph({ models: models("print(1)"), executor, checkpointer: new MemorySaver(), artifacts: null });
    const send = (inputs: unknown) => graph.invoke({ task: "t", inputs } as never, { configurable: { thread_id: `bad-${Math.random()}` }, recursionLimit: graph.recursionLimit });
    const b64 = Buffer.from("x").toString("base64");
    await expect(send([{ name: "../x", base64: b64 }])).rejects.toThrow(/Input file name "\.\.\/x" is refused: it has a "\.\." segment/);
    await expect(send([{ name: "/etc/passwd", base64: b64 }])).rejects.toThrow(/is refused: it is an absolute path/);
    await expect(send([{ name: "a\u0000b", base64: b64 }])).rejects.toThrow(/is refused: it contains a control character \(NUL included\)/);
    await expect(send([{ name: "é".repeat(200), base64: b64 }])).rejects.toThrow(/is refused: a path segment is longer than 255 bytes/);
    await expect(send([{ name: "x", base64: "not base64!" }])).rejects.toThrow(/`base64` is not valid base64/);
    await expect(send([{ name: "x" }])).rejects.toThrow(/needs either `base64`/);
    await expect(send("data.csv")).rejects.toThrow(/`inputs` must be a list of files/);
    await expect(send([{ name: "x", base64: b64 }, { name: "x", base64: b64 }])).rejects.toThrow(/Two input files are named "x"/);
    const before = process.env.CODEACT_INPUT_MAX_MB;
    process.env.CODEACT_INPUT_MAX_MB = "0.001";
    try {
      await expect(send([{ name: "huge.bin", base64: Buffer.alloc(4096).toString("base64") }])).rejects.toThrow(/Input file "huge\.bin" is 4\.0 KB, over the limit of 1\.0 KB per file\. Raise it with CODEACT_INPUT_MAX_MB/);
      await expect(runCodeAct(graph, "t", { threadId: "lib-big", inputs: [{ name: "big.bin", data: Buffer.alloc(4096) }] })).rejects.toThrow(/Input file "big\.bin" is 4\.0 KB, over the limit/);
    } finally {
      if (before === undefined) delete process.env.CODEACT_INPUT_MAX_MB;
      else process.env.CODEACT_INPUT_MAX_MB = before;
    }
  });
});
