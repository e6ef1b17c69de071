// cli-kit/format: Go's text/tabwriter as docker configures it (minwidth 10, tabwidth 1,
// padding 3, pad with spaces): cells end at '\t', the last cell of a line is not
// padded, column width = max(minwidth, widest cell + padding), widths in runes.

export interface TabwriterOptions {
  readonly minWidth?: number;
  readonly padding?: number;
}

function runeWidth(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Aligns tab-separated lines (no trailing newline handling: lines are given split). */
export function tabwrite(lines: readonly string[], options: TabwriterOptions = {}): string[] {
  const minWidth = options.minWidth ?? 10;
  const padding = options.padding ?? 3;
  const rows = lines.map((l) => l.split('\t'));
  // Go's tabwriter aligns a column over a block of consecutive lines that all
  // have a tab-terminated cell in that column; compute blocks per column.
  const widths: number[][] = rows.map((r) => new Array<number>(Math.max(0, r.length - 1)).fill(0));
  const maxCols = Math.max(0, ...rows.map((r) => r.length - 1));
  for (let col = 0; col < maxCols; col++) {
    let start = 0;
    while (start < rows.length) {
      if ((rows[start] as string[]).length - 1 <= col) { start++; continue; }
      let end = start;
      let width = minWidth;
      while (end < rows.length && (rows[end] as string[]).length - 1 > col) {
        width = Math.max(width, runeWidth((rows[end] as string[])[col] as string) + padding);
        end++;
      }
      for (let r = start; r < end; r++) (widths[r] as number[])[col] = width;
      start = end;
    }
  }
  return rows.map((cells, r) => cells.map((c, i) => (i < cells.length - 1 ? c + ' '.repeat(Math.max(0, ((widths[r] as number[])[i] as number) - runeWidth(c))) : c)).join(''));
}
