/**
 * A plain text table for the terminal: a header, aligned columns, no index column and no quotes
 * (console.table's are noise to a person reading a list of threads). Cells are already inert text.
 */
export function table(rows: Record<string, string | number>[]): string {
  if (!rows.length) return "";
  const columns = Object.keys(rows[0]!);
  const cells = rows.map((r) => columns.map((c) => String(r[c] ?? "")));
  // Code points, not UTF-16 units: inert text shows control characters as single symbols (␛, ␇).
  const width = (s: string) => [...s].length;
  const widths = columns.map((c, i) => Math.max(width(c), ...cells.map((row) => width(row[i]!))));
  const line = (values: string[]) =>
    values
      .map((v, i) => (i === values.length - 1 ? v : v + " ".repeat(widths[i]! - width(v))))
      .join("  ")
      .trimEnd();
  return [line(columns.map((c) => c.toUpperCase())), ...cells.map(line)].join("\n");
}
