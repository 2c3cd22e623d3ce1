/**
 * A Python traceback as the person should read it: without the frames of codeact's own glue.
 * A tool call that fails raises inside the tool's stub and `_codeact_call` (the prelude, shown by
 * IPython as "Cell In [1], line 102, in boom(n)"), and `ask_user` raises inside the bridge: those
 * frames name lines of code the person never wrote. Every name of that glue starts with
 * `_codeact_` (tools/prelude.py, tools/schema-to-python.ts; user tools with such names are renamed,
 * tools/names.ts), so a frame whose text holds it is glue. The one place this is decided: HTML,
 * notebook and terminal all show `userTraceback`.
 */

const GLUE = /_codeact_/;

/** Frames as IPython sends them (one string each, ANSI already removed), glue dropped and said so. */
export function userTraceback(traceback: string[]): string[] {
  const kept = traceback.filter((frame) => !GLUE.test(frame));
  const dropped = traceback.length - kept.length;
  // Nothing but glue (should not happen): the original is better than an empty box.
  if (!dropped || !kept.length) return traceback;
  const note = `[${dropped} frame${dropped === 1 ? "" : "s"} of codeact's tool bridge left out]`;
  // The note goes where the glue was: before the exception's own line, the traceback's last.
  return [...kept.slice(0, -1), note, kept.at(-1)!];
}
