/**
 * Tool sources for one run: tool modules and an MCP config, loaded into one bridge. Everything is
 * started (and every failure reported, naming the file or server) before the kernel or any model
 * is touched; `close` stops the MCP servers when the run ends, however it ends.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { settingLabel } from "../errors";
import { ToolBridge } from "./bridge";
import { type McpConfig, readMcpConfigFile } from "./mcp-config";
import { checkToolModulePath, loadToolModule, ToolSourceError } from "./modules";
import { ToolRegistry } from "./registry";

export interface ToolSourceSpec {
  /** Tool module paths. */
  tools?: string[];
  /** An MCP config file path, or an already checked config (the server's callers send objects). */
  mcp?: string | McpConfig;
}

export interface LoadedTools {
  /** Undefined when the sources hold no tools. */
  bridge?: ToolBridge;
  close(): Promise<void>;
}

export function hasToolSources(spec: ToolSourceSpec): boolean {
  return (spec.tools?.length ?? 0) > 0 || spec.mcp !== undefined;
}

/**
 * Module tools first, in the order given (a later tool whose name is taken gets the `tool_` prefix),
 * then MCP tools (the server's name in front on collision): the same sources always give the same names.
 * `signal` stops a tool server's start-up (the run was paused).
 */
export async function loadToolSources(spec: ToolSourceSpec, extra: StructuredToolInterface[] = [], signal?: AbortSignal): Promise<LoadedTools> {
  const registry = new ToolRegistry(extra);
  const seen = new Set<string>();
  for (const path of spec.tools ?? []) {
    // Loaded twice, a module's tools would all come back prefixed: a mistake, not a collision.
    const abs = checkToolModulePath(path);
    if (seen.has(abs)) throw new ToolSourceError(`${settingLabel("tools", path)}: given twice; name each tool module once.`, { about: { setting: "tools", value: path } });
    seen.add(abs);
    for (const t of await loadToolModule(path)) {
      try {
        registry.add(t);
      } catch (err) {
        throw new ToolSourceError(`${settingLabel("tools", path)}: ${(err as Error).message}`, { about: { setting: "tools", value: path } });
      }
    }
  }
  let close = async () => undefined as void;
  if (spec.mcp !== undefined) {
    const config = typeof spec.mcp === "string" ? readMcpConfigFile(spec.mcp) : spec.mcp;
    // Loaded on demand: the MCP adapters are only paid for by runs that use them.
    const { connectMcp } = require("./mcp") as typeof import("./mcp");
    const mcp = await connectMcp(config, registry.entries().map((e) => e.pythonName), signal);
    close = mcp.close;
    try {
      mcp.tools.forEach((t, i) => registry.add(t, mcp.renames[i]));
      // The prelude defines these functions (tools/prelude-mcp.py); their names are reserved, so no tool took them.
      const { MCP_HELPERS } = require("./mcp-host") as typeof import("./mcp-host");
      const python: Record<string, string> = { [MCP_HELPERS.resources]: "mcp_resources", [MCP_HELPERS.read]: "read_resource", [MCP_HELPERS.prompts]: "mcp_prompts", [MCP_HELPERS.prompt]: "get_prompt" };
      for (const h of mcp.helpers) registry.addHelper(h, python[h.name]!);
    } catch (err) {
      await mcp.close();
      throw err;
    }
  }
  const bridge = registry.entries().length ? new ToolBridge(registry) : undefined;
  return { bridge, close };
}
