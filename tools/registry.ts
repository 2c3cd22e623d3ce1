/**
 * The tools a kernel can call: LangChain tools by name, each with the Python name of its stub and
 * its JSON schema computed once (not on every call). The Python names never replace the kernel's
 * own (tools/names.ts): a reserved or already used name gets the `tool_` prefix, and the entry
 * keeps the reason, for the model to read.
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import type { JsonSchema } from "./schema-to-python";
import { freeName, type Rename } from "./names";
import { CodeActError } from "../errors";

export interface ToolEntry {
  tool: StructuredToolInterface;
  /** What the stub sends and the bridge looks up: the tool's name, unless an earlier tool has it. */
  callName: string;
  pythonName: string;
  schema: JsonSchema;
  /** Set when `pythonName` is not the tool's own name. */
  rename?: Rename;
  /** The MCP server of an MCP tool: its stub turns the result's content blocks into Python objects (tools/prelude-mcp.py). */
  mcpServer?: string;
  /** A helper the prelude defines itself (mcp_resources, …): no stub is generated; its description is its signature line. */
  helper?: boolean;
}

export class ToolRegistry {
  private readonly byName = new Map<string, ToolEntry>();
  private readonly pythonNames = new Set<string>();

  constructor(tools: StructuredToolInterface[] = []) {
    for (const t of tools) this.add(t);
  }

  /** The tool's arguments as JSON schema, whether it was declared with zod 3, zod 4 or JSON schema. */
  static schemaOf(tool: StructuredToolInterface): JsonSchema {
    const schema = toJsonSchema(tool.schema as never) as JsonSchema;
    return schema.type === "object" || schema.properties ? schema : { type: "object", properties: { input: schema } };
  }

  /** Adds a tool; `rename` says why its name was already changed by its source (MCP servers name theirs). */
  add(tool: StructuredToolInterface, rename?: Rename): ToolEntry {
    if (!tool.name) throw new CodeActError("tool", "A tool without a name cannot be called from Python.");
    // Different tools sharing a name are both kept (below); one tool twice is a mistake, said as such.
    if (this.entries().some((e) => e.tool === tool)) {
      throw new CodeActError("tool", `Two tools are named "${tool.name}" and they are the same tool: is its module given twice?`);
    }
    const named = freeName(tool.name, "tool_", (id) => this.pythonNames.has(id));
    // Recorded calls name the tool by callName, so the first tool of a name keeps it (old threads replay).
    let callName = tool.name;
    for (let i = 2; this.byName.has(callName); i++) callName = `${tool.name}#${i}`;
    const server = (tool as { metadata?: Record<string, unknown> }).metadata?.codeactMcpServer;
    const entry: ToolEntry = { tool, callName, pythonName: named.name, schema: ToolRegistry.schemaOf(tool), rename: named.rename ?? rename };
    if (typeof server === "string") entry.mcpServer = server;
    this.byName.set(callName, entry);
    this.pythonNames.add(named.name);
    return entry;
  }

  /**
   * Adds a helper whose Python function the prelude defines (`pythonName`) and which calls the
   * host by the tool's name: that name must be free, or the helper would answer for another tool.
   */
  addHelper(tool: StructuredToolInterface, pythonName: string): ToolEntry {
    if (this.byName.has(tool.name)) throw new CodeActError("tool", `A tool is named "${tool.name}", a name the kernel's own ${pythonName}() uses: rename that tool.`);
    const entry: ToolEntry = { tool, callName: tool.name, pythonName, schema: ToolRegistry.schemaOf(tool), helper: true };
    this.byName.set(tool.name, entry);
    this.pythonNames.add(pythonName);
    return entry;
  }

  byToolName(name: string): ToolEntry | undefined {
    return this.byName.get(name);
  }

  entries(): ToolEntry[] {
    return [...this.byName.values()];
  }
}
