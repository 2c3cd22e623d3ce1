/**
 * `--tools <module>` (repeatable) and `--mcp <config>` on run, resume and chat. Paths are checked
 * and made absolute as they are parsed, so they are recorded with the thread as absolute paths and
 * a resume from another folder loads the same files. Loading itself waits for the session's
 * runtime (graphs/runtime.ts), which starts the sources before the kernel and stops them when the run ends.
 */
import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "commander";
import { checkToolModulePath, ToolSourceError } from "../tools/modules";
import { UsageError } from "./flags";
import { cliMessage } from "./errors";

export interface ToolFlags {
  /** Tool module paths (absolute). */
  tools: string[];
  /** MCP config path (absolute). */
  mcp?: string;
}

function toolModule(value: string, previous: string[] = []): string[] {
  try {
    return [...previous, checkToolModulePath(value)];
  } catch (err) {
    if (err instanceof ToolSourceError) throw new UsageError(cliMessage(err));
    throw err;
  }
}

function mcpConfig(value: string): string {
  const abs = resolve(value);
  if (!existsSync(abs)) throw new UsageError(`--mcp ${value}: no such file (${abs}).`);
  if (!statSync(abs).isFile()) throw new UsageError(`--mcp ${value}: not a file; name a JSON file such as {"mcpServers": {...}}.`);
  return abs;
}

function agentsFolder(value: string): string {
  const abs = resolve(value);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new UsageError(`--agents ${value}: not a folder (${abs}); name a folder of agent profiles (<name>.md files).`);
  return abs;
}

export function addToolFlags(cmd: Command): Command {
  return cmd
    .option("--agents <folder>", "sub-agent profiles (one Markdown file each, YAML front matter): the agent may delegate work to them with delegate()", agentsFolder)
    .option("--tools <module>", "a .ts/.js module exporting LangChain tools; each becomes a Python function in the kernel (repeatable)", toolModule)
    .option("--mcp <config>", 'MCP servers ({"mcpServers": {...}}, stdio or streamable HTTP); their tools become Python functions in the kernel', mcpConfig);
}
