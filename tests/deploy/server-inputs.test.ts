/**
 * Input files through LangGraph's own dev server and SDK: a caller sends `{ task, inputs: [{ name,
 * base64 }] }`, the kernel's code reads the file under /workspace/inputs, and hostile entries (a name
 * climbing out of the folder, one over the size limit) end the run with an error that says why.
 */
import type { Client } from "@langchain/langgraph-sdk";
import { type LangGraphDev, startLangGraphDev } from "../helpers/langgraph-dev";

const plan = JSON.stringify({ steps: [{ description: "read the file", doneCriterion: "printed" }] });
const script = {
  planner: [plan],
  coder: ["<execute>\nimport csv\nprint(sum(int(r['n']) for r in csv.DictReader(open('/workspace/inputs/data/n.csv'))))\n</execute>", "<solution>6</solution>"],
  critic: ['{"verdict": "done", "answer": "6"}'],
};

describe("langgraph dev + SDK: input files", () => {
  let dev: LangGraphDev;
  let client: Client;

  beforeAll(async () => {
    dev = await startLangGraphDev({ CODEACT_INPUT_MAX_MB: "0.001" });
    client = dev.client;
  }, 150_000);

  afterAll(() => dev?.stop());

  const runWith = async (inputs: unknown) => {
    const thread = await client.threads.create();
    const errors: string[] = [];
    const config = { configurable: { provider: "scripted", script, executor: "docker" } };
    for await (const chunk of client.runs.stream(thread.thread_id, "codeact", { config, input: { task: "sum n", inputs } })) {
      if (chunk.event === "error") errors.push(JSON.stringify(chunk.data));
    }
    return { thread, errors: errors.join("\n") };
  };

  it("a caller's file reaches the kernel and stays in the thread's state", async () => {
    const { thread, errors } = await runWith([{ name: "data/n.csv", base64: Buffer.from("n\n1\n2\n3\n").toString("base64") }]);
    expect(errors).toBe("");
    const values = (await client.threads.getState(thread.thread_id)).values as { answer: string; cells: { result: { stdout: string } }[]; inputs: { name: string; size: number }[] };
    expect(values.cells.map((c) => c.result.stdout)).toEqual(["6\n"]);
    expect(values.answer).toBe("6");
    expect(values.inputs.map((i) => [i.name, i.size])).toEqual([["data/n.csv", 8]]);
  }, 120_000);

  it("refuses a hostile name and an oversized file, saying why", async () => {
    const b64 = Buffer.from("n\n1\n").toString("base64");
    expect((await runWith([{ name: "../../etc/cron.d/x", base64: b64 }])).errors).toMatch(/is refused: it has a \\"\.\.\\" segment/);
    expect((await runWith([{ name: "big.bin", base64: Buffer.alloc(4096).toString("base64") }])).errors).toMatch(/over the limit of 1\.0 KB per file\. Raise it with CODEACT_INPUT_MAX_MB/);
  }, 60_000);
});
