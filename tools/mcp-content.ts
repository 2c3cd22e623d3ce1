/**
 * MCP content (tool results, resource contents, prompt messages) as the kernel receives it: every
 * block kept, checked with zod and made inert here, on the host. Text is cleaned; binary stays
 * base64 (the kernel decodes it to bytes); MIME types and URIs are checked and cut; a block that
 * is not one MCP defines is dropped with a note. The kernel's prelude (prelude-mcp.py) turns the
 * blocks into str, McpImage, McpAudio, McpResource and McpResourceLink objects.
 *
 * The wire shape is `{codeact_mcp: 1, server, content: [...], structured?}`, built only here, for
 * results of MCP tools only: a server cannot make another tool's result look like one.
 */
import { z } from "zod";
import { cleanText, maxToolResultChars } from "./bounds";

/** The marker the kernel checks; old recordings (plain str/dict results) have none and pass through. */
export const MCP_WIRE_VERSION = 1;

const MAX_URI = 2_048;
const MAX_NAME = 200;
const MAX_DESCRIPTION = 2_000;

const Base64 = z.string().regex(/^[A-Za-z0-9+/\s]*={0,2}\s*$/);
const Mime = z.string().max(200).optional();

const TextBlock = z.object({ type: z.literal("text"), text: z.string() });
const ImageBlock = z.object({ type: z.literal("image"), data: Base64, mimeType: Mime });
const AudioBlock = z.object({ type: z.literal("audio"), data: Base64, mimeType: Mime });
const ResourceContents = z.union([
  z.object({ uri: z.string(), mimeType: Mime, text: z.string() }),
  z.object({ uri: z.string(), mimeType: Mime, blob: Base64 }),
]);
const EmbeddedBlock = z.object({ type: z.literal("resource"), resource: ResourceContents });
const LinkBlock = z.object({ type: z.literal("resource_link"), uri: z.string(), name: z.string().optional(), title: z.string().optional(), description: z.string().optional(), mimeType: Mime });
const Block = z.union([TextBlock, ImageBlock, AudioBlock, EmbeddedBlock, LinkBlock]);

/** One block as the kernel reads it (snake_case, cleaned). */
export type WireBlock =
  | { type: "text"; text: string }
  | { type: "image" | "audio"; mime_type: string; data: string }
  | { type: "resource"; uri: string; mime_type: string; text?: string; data?: string }
  | { type: "resource_link"; uri: string; name: string; description: string; mime_type: string }
  | { type: "omitted"; note: string };

export interface WireResult {
  codeact_mcp: typeof MCP_WIRE_VERSION;
  server: string;
  content: WireBlock[];
  structured?: unknown;
}

const cut = (text: string, max: number) => {
  const clean = cleanText(text);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
};

/** A MIME type as `type/subtype` of plain characters, else the generic one: it names what the bytes are, nothing more. */
function mime(value: string | undefined, fallback: string): string {
  return value && /^[\w.+-]+\/[\w.+-]+$/.test(value.trim()) ? value.trim().toLowerCase() : fallback;
}

const b64 = (s: string) => s.replace(/\s+/g, "");

/** One MCP content block for the kernel; anything MCP does not define becomes a note. */
export function wireBlock(raw: unknown): WireBlock {
  const parsed = Block.safeParse(raw);
  if (!parsed.success) {
    const type = raw && typeof raw === "object" && typeof (raw as { type?: unknown }).type === "string" ? cut((raw as { type: string }).type, 40) : "unknown";
    return { type: "omitted", note: `a content block of type ${JSON.stringify(type)} that is not valid MCP content was left out` };
  }
  const b = parsed.data;
  switch (b.type) {
    case "text":
      return { type: "text", text: cleanText(b.text) };
    case "image":
    case "audio":
      return { type: b.type, mime_type: mime(b.mimeType, "application/octet-stream"), data: b64(b.data) };
    case "resource": {
      const r = b.resource;
      const base = { type: "resource" as const, uri: cut(r.uri, MAX_URI), mime_type: mime(r.mimeType, "text" in r ? "text/plain" : "application/octet-stream") };
      return "text" in r ? { ...base, text: cleanText(r.text) } : { ...base, data: b64(r.blob) };
    }
    case "resource_link":
      return { type: "resource_link", uri: cut(b.uri, MAX_URI), name: cut(b.title ?? b.name ?? "", MAX_NAME), description: cut(b.description ?? "", MAX_DESCRIPTION), mime_type: mime(b.mimeType, "") };
  }
}

/** Resource contents (`resources/read`) as blocks of type "resource". */
export function wireResourceContents(contents: unknown): WireBlock[] {
  return (Array.isArray(contents) ? contents : []).map((c) => wireBlock({ type: "resource", resource: c }));
}

/** Characters a block's payload takes on the wire (what cutting it would save). */
function weight(b: WireBlock): number {
  if ("data" in b && b.data) return b.data.length;
  if ("text" in b && b.text) return b.text.length;
  return 0;
}

function omit(b: WireBlock, max: number): WireBlock {
  const what = b.type === "text" ? "text" : b.type === "resource" ? `resource ${JSON.stringify(b.uri)}` : `${b.type} (${"mime_type" in b ? b.mime_type : "?"})`;
  return { type: "omitted", note: `${what} of ${weight(b).toLocaleString("en")} characters was left out: the result may take ${max.toLocaleString("en")} (CODEACT_TOOL_RESULT_MAX_CHARS); ask for less` };
}

const size = (value: unknown) => JSON.stringify(value).length;

/**
 * The result bounded as a whole: past the limit, the largest payloads are left out one by one
 * (each with a note saying what it was), so the text of a result survives a large image beside it.
 */
export function boundWire<T extends { content: WireBlock[]; structured?: unknown }>(result: T, max = maxToolResultChars()): T {
  const out = { ...result, content: [...result.content] };
  if (out.structured !== undefined && size(out.structured) > max / 2) {
    out.structured = undefined;
    out.content.push({ type: "omitted", note: `the structured content was over ${Math.round(max / 2).toLocaleString("en")} characters and was left out; its text form, if any, is above` });
  }
  if (out.structured === undefined) delete out.structured;
  let total = size(out);
  const whole = total;
  while (total > max) {
    let largest = -1;
    out.content.forEach((b, i) => {
      if (weight(b) > 0 && (largest < 0 || weight(b) > weight(out.content[largest]!))) largest = i;
    });
    if (largest < 0) break;
    const b = out.content[largest]!;
    // Text is cut to what fits (its start is usually what matters); bytes cannot be cut and stay valid.
    const keep = "text" in b && b.text ? b.text.length - (total - max) - 300 : 0;
    out.content[largest] = keep > 1_000 && "text" in b ? { ...b, text: `${b.text!.slice(0, keep)}\n… [cut: the tool's result was ${whole.toLocaleString("en")} characters; the limit is ${max.toLocaleString("en")}]` } : omit(b, max);
    total = size(out);
  }
  return out;
}

/** Structured content made inert (strings cleaned) for the kernel. */
export function cleanStructured(value: unknown): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(JSON.stringify(value, (_k, v: unknown) => (typeof v === "string" ? cleanText(v) : v))) as unknown;
  } catch {
    return undefined;
  }
}

/** A tool's result (`tools/call`) for the kernel. */
export function wireToolResult(server: string, result: { content?: unknown; structuredContent?: unknown }): WireResult {
  const content = (Array.isArray(result.content) ? result.content : []).map(wireBlock);
  const structured = cleanStructured(result.structuredContent);
  return boundWire({ codeact_mcp: MCP_WIRE_VERSION, server: cleanText(server), content, ...(structured !== undefined ? { structured } : {}) });
}

/** The text of an error result (`isError`): its text blocks, cleaned. */
export function errorText(result: { content?: unknown }): string {
  const text = (Array.isArray(result.content) ? result.content : [])
    .map(wireBlock)
    .flatMap((b) => (b.type === "text" ? [b.text] : []))
    .join("\n");
  return cut(text || "(no message)", 4_000);
}
