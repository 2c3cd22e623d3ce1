/**
 * examples/research-workflow.ts end to end: two CodeAct agents as subgraphs of a user's own
 * StateGraph, each in its own Docker kernel, on one SQLite checkpointer. An agent's ask_user()
 * question is the workflow's interrupt, resumed with the workflow's Command; a workflow killed
 * while an agent works resumes inside that agent, and what ended before is not run again.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Command } from "@langchain/langgraph";
import { createCheckpointer } from "../../checkpoints/savers";
import { DockerJupyterExecutor } from "../../executors/docker";
import { createCodeActGraph } from "../../graphs/codeact";
import { codeActNode } from "../../graphs/subgraph";
import { ScriptedChatModel } from "../../nodes/models/scripted-model";
import { researchWorkflow, scriptedAgents } from "../../examples/research-workflow";

const refuseToRun = () =>
  new ScriptedChatModel({
    script: [
      () => {
        throw new Error("this agent already finished: it must not be asked again");
      },
    ],
  });

describe("examples/research-workflow: CodeAct agents inside a user's own StateGraph", () => {
  let dir: string;
  const executors: DockerJupyterExecutor[] = [];
  const executor = () => {
    const e = new DockerJupyterExecutor();
    executors.push(e);
    return e;
  };
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "codeact-workflow-"));
  });
  afterAll(async () => {
    await Promise.all(executors.map((e) => e.shutdown()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs researcher → analyst → writer, each agent in its own kernel, and keeps each agent's thread in the workflow's checkpointer", async () => {
    await using store = await createCheckpointer({ kind: "sqlite", path: join(dir, "run.sqlite") });
    const agents = scriptedAgents();
    const researcher = executor();
    const analyst = executor();
    const workflow = researchWorkflow({ researcher: { models: agents.researcher, executor: researcher }, analyst: { models: agents.analyst, executor: analyst }, checkpointer: store.saver });
    const config = { configurable: { thread_id: "w1" } };
    const out = await workflow.invoke({ question: "How do the sums compare?" }, config);
    expect(out.figures).toBe("squares: 385\ncubes: 3025");
    expect(out.analysis).toBe("cubes is the largest, 2640 more than squares");
    expect(out.report).toContain("## Analysis\ncubes is the largest");
    // Each agent's code ran in its own kernel: neither sees the other's variables.
    expect((await researcher.execute("print(squares, 'figures' in globals())")).stdout).toBe("385 False\n");
    expect((await analyst.execute("print(figures['cubes'], 'squares' in globals())")).stdout).toBe("3025 False\n");
    // The agents' checkpoints live in the workflow's saver, under their nodes' namespaces.
    const namespaces = new Set<string>();
    for await (const t of store.saver.list({ configurable: { thread_id: "w1" } })) namespaces.add(String(t.config.configurable?.checkpoint_ns ?? "").split(":")[0]!);
    expect([...namespaces].sort()).toEqual(["", "analyst", "researcher"]);
  }, 240_000);

  it("an agent's ask_user() pauses the whole workflow; the workflow's Command answers it, in a new process's runtime", async () => {
    const path = join(dir, "ask.sqlite");
    const config = { configurable: { thread_id: "w2" } };
    const agents = scriptedAgents();
    agents.analyst.coder = new ScriptedChatModel({
      script: ["I ask which figure matters.\n<execute>\nwhich = ask_user('Which figure matters to you?')\nprint(which)\n</execute>", "<solution>the person cares about cubes</solution>"],
    });
    {
      await using store = await createCheckpointer({ kind: "sqlite", path });
      const workflow = researchWorkflow({ researcher: { models: agents.researcher, executor: executor() }, analyst: { models: agents.analyst, executor: executor() }, checkpointer: store.saver });
      const paused = (await workflow.invoke({ question: "Q?" }, config)) as { __interrupt__?: { value: { kind: string; question: string } }[] };
      expect(paused.__interrupt__?.[0]?.value).toMatchObject({ kind: "ask_user", question: "Which figure matters to you?" });
      const snapshot = await workflow.getState(config);
      expect(snapshot.next).toEqual(["analyst"]);
    }
    // As after a restart: a new store, new kernels, and a researcher that must not run again.
    await using store = await createCheckpointer({ kind: "sqlite", path });
    const analyst = executor();
    const resumed = researchWorkflow({
      researcher: { models: { planner: refuseToRun(), coder: refuseToRun(), critic: refuseToRun() }, executor: executor() },
      analyst: {
        models: {
          ...agents.analyst,
          coder: new ScriptedChatModel({ script: ["<solution>the person cares about cubes</solution>"] }),
          critic: new ScriptedChatModel({ script: ['{"verdict": "done", "answer": "the person cares about cubes"}'], whenExhausted: "repeat-last" }),
        },
        executor: analyst,
      },
      checkpointer: store.saver,
    });
    const out = await resumed.invoke(new Command({ resume: "cubes" }), config);
    expect(out.analysis).toBe("the person cares about cubes");
    expect(out.report).toContain("squares: 385");
    // The question's cell ran again in the new kernel with the answer.
    expect((await analyst.execute("print(which)")).stdout).toBe("cubes\n");
  }, 240_000);

  it("killed with -9 while the analyst works, the workflow resumes inside the analyst; the researcher is not run again", async () => {
    const path = join(dir, "crash.sqlite");
    const marker = join(dir, "analyst-started");
    const child = spawn(process.execPath, ["--import", pathToFileURL(require.resolve("tsx")).href, join(__dirname, "fixtures", "crash-workflow.ts"), path, marker], { stdio: "ignore", detached: true });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    for (let i = 0; i < 1200 && !existsSync(marker); i++) await new Promise((r) => setTimeout(r, 100));
    expect(existsSync(marker)).toBe(true);
    process.kill(child.pid!, "SIGKILL");
    await exited;

    await using store = await createCheckpointer({ kind: "sqlite", path });
    const agents = scriptedAgents();
    const workflow = researchWorkflow({
      researcher: { models: { planner: refuseToRun(), coder: refuseToRun(), critic: refuseToRun() }, executor: executor() },
      analyst: { models: agents.analyst, executor: executor() },
      checkpointer: store.saver,
    });
    const config = { configurable: { thread_id: "crash" } };
    expect((await workflow.getState(config)).next).toEqual(["analyst"]);
    const out = await workflow.invoke(null, config);
    expect(out.figures).toBe("squares: 385\ncubes: 3025");
    expect(out.analysis).toBe("cubes is the largest, 2640 more than squares");
  }, 240_000);

  it("refuses an agent compiled with a checkpointer of its own (it would start over on every resume)", async () => {
    const agents = scriptedAgents();
    await using store = await createCheckpointer({ kind: "memory" });
    const own = createCodeActGraph({ models: agents.analyst, executor: executor(), checkpointer: store.saver });
    expect(() => codeActNode(own, { task: () => "x", update: () => ({}) })).toThrow(/has a checkpointer of its own; compile it without one/);
  });
});
