/**
 * Tool sources for one run: tool modules and an MCP config, loaded into one bridge. Everything is
 * started (and every failure reported, naming the file or server) before the kernel or any model
 * is touched; `close` stops the MCP servers when the run ends, however it ends.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { settingLabel } from "../errors";
import { ToolBridge } from "./bridge";
import { type McpConfig, readMcpConfigFile } from "./mcp-config";
import { loadToolModule, ToolSourceError } from "./modules";
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

/** Module tools first (their names are the user's and are kept), then MCP tools (renamed on collision). */
/** `signal` stops a tool server's start-up (the run was paused). */
export async function loadToolSources(spec: ToolSourceSpec, extra: StructuredToolInterface[] = [], signal?: AbortSignal): Promise<LoadedTools> {
  const registry = new ToolRegistry(extra);
  for (const path of spec.tools ?? []) {
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
      for (const t of mcp.tools) registry.add(t);
    } catch (err) {
      await mcp.close();
      throw err;
    }
  }
  const bridge = registry.entries().length ? new ToolBridge(registry) : undefined;
  return { bridge, close };
}
