/** The tool bridge end to end: real kernels (Docker, local, remote) calling real LangChain tools. */
import { Calculator } from "@langchain/community/tools/calculator";
import { tool } from "@langchain/core/tools";
import { z } from "zod";
import { DockerJupyterExecutor } from "../../executors/docker";
import { LocalJupyterExecutor } from "../../executors/local";
import { RemoteJupyterExecutor } from "../../executors/remote";
import type { CodeExecutor } from "../../executors/types";
import { ToolBridge } from "../../tools/bridge";
import { type RunningJupyterServer, startJupyterServer } from "../helpers/jupyter-server";

function makeTools() {
  const counter = { calls: 0 };
  const lookup = tool(
    async ({ city, units }) => {
      counter.calls++;
      return { city, temperature: city === "Oslo" ? -3 : 21, units: units ?? "C" };
    },
    {
      name: "get-weather",
      description: "Current weather for a city.",
      schema: z.object({ city: z.string().describe("City name"), units: z.enum(["C", "F"]).optional() }),
    },
  );
  const fail = tool(
    async () => {
      throw new Error("database is locked: try again later");
    },
    { name: "flaky", description: "Always fails.", schema: z.object({}) },
  );
  return { counter, tools: [lookup, fail, new Calculator()] };
}

let server: RunningJupyterServer;
beforeAll(async () => {
  server = await startJupyterServer();
}, 60_000);
afterAll(() => server?.stop());

const backends: [string, (tools: ToolBridge) => CodeExecutor][] = [
  ["docker", (tools) => new DockerJupyterExecutor({ tools })],
  ["local", (tools) => new LocalJupyterExecutor({ tools, warn: () => undefined })],
  ["remote", (tools) => new RemoteJupyterExecutor({ url: server.url, token: server.token, tools })],
];

describe.each(backends)("tool bridge on the %s executor", (_name, make) => {
  const { counter, tools } = makeTools();
  const bridge = new ToolBridge(tools);
  let ex: CodeExecutor;
  beforeAll(async () => {
    ex = make(bridge);
    await ex.start();
  }, 60_000);
  afterAll(() => ex?.shutdown());

  it("calls a zod tool from Python and gets its JSON result, recording the call", async () => {
    const before = counter.calls;
    const r = await ex.execute("w = get_weather('Oslo')\nprint(w['temperature'] + 1)\nget_weather(city='Rome', units='F')['units']");
    expect(r.status).toBe("ok");
    expect(r.stdout).toBe("-2\n");
    expect(r.results[0]?.data["text/plain"]).toBe("'F'");
    expect(counter.calls - before).toBe(2);
    expect(r.toolCalls.map((c) => [c.name, c.args, c.result])).toEqual([
      ["get-weather", { city: "Oslo" }, { city: "Oslo", temperature: -3, units: "C" }],
      ["get-weather", { city: "Rome", units: "F" }, { city: "Rome", temperature: 21, units: "F" }],
    ]);
  });

  it("raises a TS error in Python as ToolError with its message", async () => {
    const r = await ex.execute("flaky()");
    expect(r.status).toBe("error");
    expect(r.error?.ename).toBe("ToolError");
    expect(r.error?.evalue).toBe("database is locked: try again later");
    expect(r.toolCalls[0]).toMatchObject({ name: "flaky", error: "database is locked: try again later" });
    const caught = await ex.execute("try:\n    flaky()\nexcept ToolError as e:\n    print('caught', e.tool, e)");
    expect(caught.stdout).toBe("caught flaky database is locked: try again later\n");
  });

  it("rejects arguments that do not fit the tool's schema", async () => {
    const r = await ex.execute("get_weather(city=42)");
    expect(r.status).toBe("error");
    expect(r.error?.ename).toBe("ToolError");
    expect(r.error?.evalue).toMatch(/city|string|schema/i);
  });

  it("hands any LangChain tool to the sandbox: Calculator", async () => {
    const r = await ex.execute("calculator('3*7'), calculator(input='2^10')");
    expect(r.results[0]?.data["text/plain"]).toBe("('21', '1024')");
  });

  it("documents tools for the model: help() and list_tools()", async () => {
    const r = await ex.execute("help(get_weather)\nlist_tools()");
    expect(r.stdout).toContain("get_weather(city: str, units: Optional[Literal['C', 'F']] = None)");
    expect(r.stdout).toContain("city (str): City name");
    expect(r.stdout).toContain("calculator(input: str = None) — Useful for getting the result of a math expression.");
  });

  it("replays recorded calls without running the tool", async () => {
    const live = await ex.execute("a = get_weather('Oslo'); b = get_weather('Rome')");
    const before = counter.calls;
    await ex.restart();
    await ex.setStdinHandler!(bridge.withReplay(live.toolCalls));
    try {
      const replay = await ex.execute("a = get_weather('Oslo'); b = get_weather('Rome')\n(a['temperature'], b['temperature'])");
      expect(replay.results[0]?.data["text/plain"]).toBe("(-3, 21)");
      expect(replay.toolCalls.every((c) => c.replayed)).toBe(true);
      expect(counter.calls).toBe(before);
      const diverged = await ex.execute("get_weather('Paris')");
      expect(diverged.error?.evalue).toMatch(/replay diverged/);
      expect(counter.calls).toBe(before);
    } finally {
      await ex.setStdinHandler!(bridge);
    }
  });
});
