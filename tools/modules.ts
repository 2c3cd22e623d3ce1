/**
 * Tool modules named on the command line (`--tools ./my-tools.ts`) or by the server's operator:
 * a TypeScript or JavaScript file whose exports are LangChain tools (named exports, a default
 * export, or arrays of them). The installed CLI is compiled JavaScript under plain node, so a
 * user's .ts file is loaded through tsx's import API, which also loads .js/.mjs/.cjs as node does.
 */
import { existsSync, statSync } from "node:fs";
import { extname, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { StructuredToolInterface } from "@langchain/core/tools";
import { CodeActError, type CodeActErrorOptions, settingLabel } from "../errors";

export const TOOL_MODULE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"] as const;

/** A tool source that cannot be used: the message names it and says what to do. */
export class ToolSourceError extends CodeActError {
  constructor(message: string, options?: CodeActErrorOptions) {
    super("tool", message, options);
    this.name = "ToolSourceError";
  }
}

/**
 * A LangChain tool, recognised by its shape rather than `instanceof`: the user's module may bring
 * its own copy of @langchain/core, whose classes are not ours.
 */
export function isLangChainTool(value: unknown): value is StructuredToolInterface {
  if (typeof value !== "object" || value === null) return false;
  const t = value as Record<string, unknown>;
  return typeof t.name === "string" && typeof t.description === "string" && typeof t.invoke === "function" && t.schema !== undefined && t.schema !== null;
}

/** Every tool among a module's exports, in export order, each once. */
export function toolsFromExports(exports: Record<string, unknown>): StructuredToolInterface[] {
  const found: StructuredToolInterface[] = [];
  const visit = (value: unknown, depth: number) => {
    if (isLangChainTool(value)) {
      if (!found.includes(value)) found.push(value);
    } else if (Array.isArray(value)) {
      for (const v of value) visit(v, depth);
    } else if (depth === 0 && value && typeof value === "object" && !(value instanceof Promise)) {
      // A CommonJS module seen from ESM: its module.exports object is the default export.
      for (const v of Object.values(value as Record<string, unknown>)) visit(v, depth + 1);
    }
  };
  for (const [key, value] of Object.entries(exports)) visit(value, key === "default" || key === "module.exports" ? 0 : 1);
  return found;
}

const aboutModule = (path: string) => ({ about: { setting: "tools" as const, value: path } });

/** An absolute path to an existing tool module file, or a ToolSourceError saying what is wrong. */
export function checkToolModulePath(path: string, from = process.cwd()): string {
  const abs = resolve(from, path);
  if (!existsSync(abs)) throw new ToolSourceError(`${settingLabel("tools", path)}: no such file (${abs}).`, aboutModule(path));
  if (!statSync(abs).isFile()) throw new ToolSourceError(`${settingLabel("tools", path)}: not a file; name a .ts or .js module that exports LangChain tools.`, aboutModule(path));
  if (!(TOOL_MODULE_EXTENSIONS as readonly string[]).includes(extname(abs))) {
    throw new ToolSourceError(`${settingLabel("tools", path)}: a tool module must end in ${TOOL_MODULE_EXTENSIONS.join(", ")}.`, aboutModule(path));
  }
  return abs;
}

type TsImport = (specifier: string, options: string | { parentURL: string }) => Promise<Record<string, unknown>>;

async function importModule(abs: string): Promise<Record<string, unknown>> {
  try {
    // import(), not require(): the CommonJS entry of tsx's ESM API (4.23) points at a file it does not ship.
    const { tsImport } = (await import("tsx/esm/api")) as { tsImport: TsImport };
    return await tsImport(pathToFileURL(abs).href, { parentURL: pathToFileURL(__filename).href });
  } catch (err) {
    // Inside jest's sandbox, loader hooks (and, without a flag, import()) are refused; jest's own
    // require transforms TypeScript, so it loads the file there. Nowhere else is this path taken.
    const code = String((err as NodeJS.ErrnoException).code);
    if (!code.startsWith("ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING") && !/not supported in Jest/.test((err as Error).message)) throw err;
    return require(abs) as Record<string, unknown>;
  }
}

/** Loads one module and returns its tools; every failure names the file. */
export async function loadToolModule(path: string): Promise<StructuredToolInterface[]> {
  const abs = checkToolModulePath(path);
  let exports: Record<string, unknown>;
  try {
    exports = await importModule(abs);
  } catch (err) {
    const why = err instanceof Error ? err.message.split("\n")[0] : String(err);
    throw new ToolSourceError(`${settingLabel("tools", path)}: the module failed to load: ${why}`, aboutModule(path));
  }
  const tools = toolsFromExports(exports);
  if (tools.length === 0) {
    // A TypeScript file loaded as CommonJS also shows its whole exports object as "default".
    const cjsDefault = (k: string) => k === "default" && typeof exports.default === "object" && exports.default !== null && !Array.isArray(exports.default);
    const names = Object.keys(exports).filter((k) => k !== "module.exports" && !cjsDefault(k));
    throw new ToolSourceError(
      `${settingLabel("tools", path)}: the module exports no LangChain tools (exports: ${names.length ? names.join(", ") : "none"}). ` +
        "Export tools made with tool(...) from @langchain/core/tools (or StructuredTool instances), as named exports, a default export or an array.",
      aboutModule(path),
    );
  }
  return tools;
}
