/**
 * A workflow of your own with two CodeAct agents in it: a researcher that computes figures in its
 * kernel, an analyst that works on the researcher's numbers in a kernel of its own, and a plain
 * writer node that turns both into a report. Each agent is a subgraph on the workflow's
 * checkpointer: stop the workflow anywhere (Ctrl-C, kill -9, an approval) and `resume` continues
 * inside the agent that was working.
 *
 *   npx tsx examples/research-workflow.ts              # scripted models: no model, no key
 *   npx tsx examples/research-workflow.ts gpt-4o-mini  # a real model (OPENAI_API_KEY / OPENAI_BASE_URL)
 */
import { Annotation, type BaseCheckpointSaver, END, MemorySaver, START, StateGraph } from "@langchain/langgraph";
import type { CodeExecutor } from "../executors/types";
import { DockerJupyterExecutor } from "../executors/docker";
import { createCodeActGraph } from "../graphs/codeact";
import { codeActNode } from "../graphs/subgraph";
import { createRoleModels, type RoleModels } from "../nodes/models/models";
import { ScriptedChatModel } from "../nodes/models/scripted-model";

export const Workflow = Annotation.Root({
  question: Annotation<string>(),
  figures: Annotation<string>(),
  analysis: Annotation<string>(),
  report: Annotation<string>(),
});
export type WorkflowState = typeof Workflow.State;

export interface WorkflowOptions {
  researcher: { models: RoleModels; executor: CodeExecutor };
  analyst: { models: RoleModels; executor: CodeExecutor };
  checkpointer?: BaseCheckpointSaver;
}

export function researchWorkflow(options: WorkflowOptions) {
  // No checkpointer here: each agent keeps its checkpoints in the workflow's, under its node.
  const researcher = createCodeActGraph({ ...options.researcher, limits: { maxIterations: 20 } });
  const analyst = createCodeActGraph({ ...options.analyst, limits: { maxIterations: 20 } });
  return new StateGraph(Workflow)
    .addNode(
      "researcher",
      codeActNode(researcher, {
        task: (s: WorkflowState) => `${s.question}\nAnswer with the figures only, one "name: value" per line.`,
        update: (r) => ({ figures: r.answer ?? "" }),
      }),
    )
    .addNode(
      "analyst",
      codeActNode(analyst, {
        task: (s: WorkflowState) => `These figures were computed:\n${s.figures}\nWhich is the largest, and by how much does it exceed the smallest?`,
        update: (r) => ({ analysis: r.answer ?? "" }),
      }),
    )
    .addNode("writer", (s: WorkflowState) => ({ report: `# ${s.question}\n\n## Figures\n${s.figures}\n\n## Analysis\n${s.analysis}\n` }))
    .addEdge(START, "researcher")
    .addEdge("researcher", "analyst")
    .addEdge("analyst", "writer")
    .addEdge("writer", END)
    .compile({ checkpointer: options.checkpointer ?? new MemorySaver(), name: "research-workflow" });
}

const plan = (what: string) => JSON.stringify({ steps: [{ description: what, doneCriterion: "the result is printed" }] });

/** Models that play both agents without a model server, for this example and its test. */
export function scriptedAgents(): { researcher: RoleModels; analyst: RoleModels } {
  const done = (answer: string) => JSON.stringify({ verdict: "done", answer });
  return {
    researcher: {
      planner: new ScriptedChatModel({ script: [plan("compute the squares' sum and the cubes' sum of 1..10")] }),
      coder: new ScriptedChatModel({
        script: [
          "I compute both sums.\n<execute>\nsquares = sum(i * i for i in range(1, 11))\ncubes = sum(i ** 3 for i in range(1, 11))\nprint(f'squares: {squares}\\ncubes: {cubes}')\n</execute>",
          "<solution>squares: 385\ncubes: 3025</solution>",
        ],
      }),
      critic: new ScriptedChatModel({ script: [done("squares: 385\ncubes: 3025")], whenExhausted: "repeat-last" }),
    },
    analyst: {
      planner: new ScriptedChatModel({ script: [plan("compare the figures")] }),
      coder: new ScriptedChatModel({
        script: [
          "I parse the figures and compare them.\n<execute>\nfigures = {'squares': 385, 'cubes': 3025}\nbig = max(figures, key=figures.get)\nprint(big, figures[big] - min(figures.values()))\n</execute>",
          "<solution>cubes is the largest, 2640 more than squares</solution>",
        ],
      }),
      critic: new ScriptedChatModel({ script: [done("cubes is the largest, 2640 more than squares")], whenExhausted: "repeat-last" }),
    },
  };
}

async function main(model: string | undefined): Promise<void> {
  const agents = model ? { researcher: createRoleModels({ model }), analyst: createRoleModels({ model }) } : scriptedAgents();
  const executors = [new DockerJupyterExecutor(), new DockerJupyterExecutor()] as const;
  try {
    const workflow = researchWorkflow({
      researcher: { models: agents.researcher, executor: executors[0] },
      analyst: { models: agents.analyst, executor: executors[1] },
    });
    const out = await workflow.invoke({ question: "How do the sums of squares and of cubes of 1..10 compare?" }, { configurable: { thread_id: "research-1" } });
    process.stdout.write(out.report);
  } finally {
    await Promise.all(executors.map((e) => e.shutdown()));
  }
}

if (require.main === module) {
  main(process.argv[2]).catch((err) => {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(1);
  });
}
