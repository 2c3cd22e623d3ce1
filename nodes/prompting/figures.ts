/**
 * Figures in observations: image parts for a model that accepts images, a short description for
 * one that does not. Reads the image bytes from whatever the cell's result holds (inline base64).
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { ExecutionResult } from "../../executors/types";

const IMAGE_TYPES = ["image/png", "image/jpeg"] as const;
/** Images past this size (base64 characters) are described, not sent: they would crowd the context. */
const MAX_IMAGE_CHARS = 2_000_000;
/** At most this many images per observation. */
const MAX_IMAGES = 4;

type DisplayData = Record<string, unknown>;

function inlineImage(data: DisplayData): { mime: string; base64: string } | undefined {
  for (const mime of IMAGE_TYPES) {
    const v = data[mime];
    const text = Array.isArray(v) ? v.join("") : v;
    if (typeof text === "string" && text.length && text.length <= MAX_IMAGE_CHARS && /^[A-Za-z0-9+/=\s]+$/.test(text)) {
      return { mime, base64: text.replace(/\s+/g, "") };
    }
  }
  return undefined;
}

/** Width × height of a PNG from its header, when the bytes are one. */
function pngSize(base64: string): string {
  const head = Buffer.from(base64.slice(0, 44), "base64");
  if (head.length < 24 || head.readUInt32BE(0) !== 0x89504e47) return "";
  return ` ${head.readUInt32BE(16)}×${head.readUInt32BE(20)}`;
}

/** The image parts of a result's figures (OpenAI-style `image_url` data URLs). */
export function imageParts(result: ExecutionResult): { type: "image_url"; image_url: { url: string } }[] {
  const out: { type: "image_url"; image_url: { url: string } }[] = [];
  for (const r of result.results) {
    const img = inlineImage(r.data as DisplayData);
    if (img && out.length < MAX_IMAGES) out.push({ type: "image_url", image_url: { url: `data:${img.mime};base64,${img.base64}` } });
  }
  return out;
}

/** One line per figure saying what it is (its text form and size), for any model. */
export function figureNotes(result: ExecutionResult): string {
  const lines: string[] = [];
  for (const r of result.results) {
    const data = r.data as DisplayData;
    // An output moved to an artifact store keeps its MIME type there, not in `data`.
    const kept = (r as { artifacts?: Record<string, unknown> }).artifacts ?? {};
    const has = (m: string) => data[m] !== undefined || kept[m] !== undefined;
    const mime = IMAGE_TYPES.find(has) ?? (has("image/svg+xml") ? "image/svg+xml" : undefined);
    if (!mime) continue;
    const img = inlineImage(data);
    const plain = typeof data["text/plain"] === "string" ? String(data["text/plain"]).slice(0, 120) : "";
    lines.push(`[figure ${lines.length + 1}: ${mime}${img && mime === "image/png" ? pngSize(img.base64) : ""}${plain ? `, ${plain}` : ""}]`);
  }
  return lines.join("\n");
}

/** Model names known to accept images (OpenAI-compatible vision models). */
const VISION_NAMES = /gpt-4o|gpt-4\.1|gpt-4-turbo|gpt-5|\bo[134]\b|o[134]-|claude-3|claude-(sonnet|opus|haiku)|gemini|llava|-vl\b|-vl-|vision|pixtral|qwen2\.5-vl|internvl|minicpm-v|llama-3\.2-.*vision|gemma-3/i;

/** Whether figures go to this model as images: the explicit setting, else a guess from its name. */
export function acceptsImages(model: BaseChatModel, setting: boolean | undefined): boolean {
  if (setting !== undefined) return setting;
  const name = (model as unknown as { model?: unknown }).model;
  return typeof name === "string" && VISION_NAMES.test(name);
}
