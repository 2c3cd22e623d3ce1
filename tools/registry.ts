/**
 * The tools a kernel can call: LangChain tools by name, each with the Python name of its stub and
 * its JSON schema computed once (not on every call).
 */
import type { StructuredToolInterface } from "@langchain/core/tools";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { type JsonSchema, pythonIdentifier } from "./schema-to-python";
import { CodeActError } from "../errors";

export interface ToolEntry {
  tool: StructuredToolInterface;
  pythonName: string;
  schema: JsonSchema;
}

export class ToolRegistry {
  private readonly byName = new Map<string, ToolEntry>();

  constructor(tools: StructuredToolInterface[] = []) {
    for (const t of tools) this.add(t);
  }

  /** The tool's arguments as JSON schema, whether it was declared with zod 3, zod 4 or JSON schema. */
  static schemaOf(tool: StructuredToolInterface): JsonSchema {
    const schema = toJsonSchema(tool.schema as never) as JsonSchema;
    return schema.type === "object" || schema.properties ? schema : { type: "object", properties: { input: schema } };
  }

  add(tool: StructuredToolInterface): void {
    if (!tool.name) throw new CodeActError("tool", "A tool without a name cannot be called from Python.");
    if (this.byName.has(tool.name)) throw new CodeActError("tool", `Two tools are named "${tool.name}"; tool names must be unique.`);
    const pythonName = pythonIdentifier(tool.name);
    const clash = this.entries().find((e) => e.pythonName === pythonName);
    if (clash) {
      throw new CodeActError("tool", `Tools "${clash.tool.name}" and "${tool.name}" would both be the Python function ${pythonName}(); rename one.`);
    }
    this.byName.set(tool.name, { tool, pythonName, schema: ToolRegistry.schemaOf(tool) });
  }

  byToolName(name: string): ToolEntry | undefined {
    return this.byName.get(name);
  }

  entries(): ToolEntry[] {
    return [...this.byName.values()];
  }
}
