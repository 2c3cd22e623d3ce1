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
    // A rebuilt kernel answers from the record: the same figure and bytes, the server not called.
    await ex.setStdinHandler!(loaded.bridge!.withReplay(r.toolCalls));
    try {
      const again = await ex.execute("parts = get_tiny_image()\nprint(len(parts), parts[1].data[:4])");
      expect(again.stdout).toBe("3 b'\\x89PNG'\n");
      expect(again.toolCalls.every((c) => c.replayed)).toBe(true);
      expect(again.results.filter((x) => x.data["image/png"])).toHaveLength(1);
    } finally {
      await ex.setStdinHandler!(loaded.bridge!);
    }
  });

  it("embedded resources (text and bytes), resource links that read, structured content as a dict", async () => {
    const code = [
      "t = get_resource_reference(resourceType='Text', resourceId=2)",
      "res = [p for p in t if isinstance(p, McpResource)][0]",
      "print('text', res.uri, res.text.startswith('Resource 2'))",
      "b = get_resource_reference(resourceType='Blob', resourceId=1)",
      "blob = [p for p in b if isinstance(p, McpResource)][0]",
      "print('blob', blob.uri, type(blob.data).__name__, blob.data.startswith(b'Resource 1'))",
      "links = [p for p in get_resource_links(count=2) if isinstance(p, McpResourceLink)]",
      "print('links', len(links), links[0].uri)",
      "first = links[0].read()",
      "print('read', type(first).__name__, first.uri == links[0].uri)",
      "print('weather', get_structured_content(location='Chicago'))",
    ].join("\n");
    const r = await ex.execute(code);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toContain("text demo://resource/dynamic/text/2 True");
    expect(r.stdout).toContain("blob demo://resource/dynamic/blob/1 bytes True");
    expect(r.stdout).toContain("links 2 demo://resource/dynamic/");
    expect(r.stdout).toContain("read McpResource True");
    expect(r.stdout).toMatch(/weather \{'temperature': [\d.]+, 'conditions': '[^']+', 'humidity': \d+\}/);
    // Every call, the helper's included, is recorded in the cell (replay answers from these).
    expect(r.toolCalls.map((c) => c.name)).toEqual(["get_resource_reference", "get_resource_reference", "get_resource_links", "codeact:read_resource", "get_structured_content"]);
  });

  it("mcp_resources(), read_resource(uri), mcp_prompts() and get_prompt(name, **args)", async () => {
    const code = [
      "rs = mcp_resources()",
      "print('resources', len([x for x in rs if 'uri' in x]) >= 7, any('uri_template' in x for x in rs), rs[0]['server'])",
      "doc = read_resource('demo://resource/static/document/features.md')",
      "print('doc', doc.mime_type, len(doc.text) > 100)",
      "ps = {p['name']: p for p in mcp_prompts()}",
      "print('prompts', sorted(ps)[:2], [a['name'] for a in ps['args-prompt']['arguments']])",
      "p = get_prompt('args-prompt', city='Oslo')",
      "print('prompt', p.messages[0].role, str(p))",
      "q = get_prompt('resource-prompt', resourceType='Text', resourceId=2)",
      "print('embedded', type(q.messages[1].content).__name__, q.messages[1].content.text.startswith('Resource 2'))",
      "try:",
      "    get_prompt('no-such-prompt')",
      "except ToolError as e:",
      "    print('missing:', e)",
    ].join("\n");
    const r = await ex.execute(code);
    expect(r.error).toBeUndefined();
    expect(r.stdout).toContain("resources True True everything");
    expect(r.stdout).toContain("doc text/markdown True");
    expect(r.stdout).toContain("prompts ['args-prompt', 'completable-prompt'] ['city', 'state']");
    expect(r.stdout).toContain("prompt user user: What's weather in Oslo?");
    expect(r.stdout).toContain("embedded McpResource True");
    expect(r.stdout).toContain('missing: no MCP server has a prompt "no-such-prompt"; mcp_prompts() lists them');
  });

  it("arguments that do not fit name the field and what was expected", async () => {
    const r = await ex.execute("get_sum(a='two', b=2)");
    expect(r.error?.ename).toBe("ToolError");
    expect(r.error?.evalue).toBe('invalid arguments for get_sum(): a: expected float, got str "two"');
    const e = await ex.execute("get_structured_content(location='Paris')");
    expect(e.error?.evalue).toBe('invalid arguments for get_structured_content(): location: expected one of "New York", "Chicago", "Los Angeles", got str "Paris"');
  });

  it("a task-based tool (taskSupport: required) runs as a task and returns its result", async () => {
    const r = await ex.execute("report = simulate_research_query(topic='cats')\nprint(report.splitlines()[0])", { timeoutMs: 60_000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout).toContain("# Research Report: cats");
  }, 90_000);

  it("help() and list_tools() show the helpers and what MCP tools return", async () => {
    const r = await ex.execute("help(get_tiny_image)\nlist_tools()");
    expect(r.stdout).toContain("McpImage / McpAudio / McpResource / McpResourceLink");
    expect(r.stdout).toContain("read_resource(uri: str, server: str = None) — reads an MCP resource");
    expect(r.stdout).toContain("get_prompt(name: str, server: str = None, /, **arguments)");
  });
});
