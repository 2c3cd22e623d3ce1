/**
 * Per-cell bounds on rich outputs (display_data / execute_result): how many figures and how many
 * characters of MIME data one cell may keep. Checked as each output arrives, so an output past the
 * bound is never held by the host: a cell that displays 85 images of 6.7 MB costs the host one
 * image at a time, not 570 MB. What was dropped is said in a text output at the end of the cell.
 */
import type { RichOutput } from "./types";

export interface RichLimits {
  /** Outputs carrying an image (png, jpeg, svg) kept per cell. */
  maxImages: number;
  /** Characters of MIME data (base64 images included) kept per cell. */
  maxChars: number;
}

export const DEFAULT_RICH_LIMITS: RichLimits = { maxImages: 20, maxChars: 32 * 1024 * 1024 };

const isImage = (mime: string) => mime.startsWith("image/");
const mb = (chars: number) => `${Math.round(chars / (1024 * 1024))} MB`;

export class RichBudget {
  private images = 0;
  private chars = 0;
  private droppedOutputs = 0;
  private droppedImages = 0;

  constructor(readonly limits: RichLimits = DEFAULT_RICH_LIMITS) {}

  /** True when the output fits what is left of the cell's budget (and is then counted). */
  admit(data: Record<string, string>): boolean {
    const image = Object.keys(data).some(isImage);
    let size = 0;
    for (const value of Object.values(data)) size += value.length;
    if ((image && this.images >= this.limits.maxImages) || this.chars + size > this.limits.maxChars) {
      this.droppedOutputs++;
      if (image) this.droppedImages++;
      return false;
    }
    if (image) this.images++;
    this.chars += size;
    return true;
  }

  /** Forgets everything counted: clear_output removed the outputs it was counting. */
  reset(): void {
    this.images = this.chars = this.droppedOutputs = this.droppedImages = 0;
  }

  /** The cell's outputs, with a closing note when some were dropped. */
  withNote(results: RichOutput[]): RichOutput[] {
    if (!this.droppedOutputs) return results;
    const what = this.droppedImages === this.droppedOutputs ? `${this.droppedOutputs} more figure${this.droppedOutputs > 1 ? "s" : ""}` : `${this.droppedOutputs} more outputs (${this.droppedImages} figures)`;
    const note = `[${what} not kept: per-cell limit is ${this.limits.maxImages} figures and ${mb(this.limits.maxChars)} of display output; save the rest to files or show fewer per cell]`;
    return [...results, { kind: "display_data", data: { "text/plain": note } }];
  }
}
