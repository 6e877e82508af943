// A port of Go's text/tabwriter (the elastic-tabstop algorithm kubectl prints through), so that columns line up
// exactly as kubectl's do: `get` uses minwidth 6 / padding 3 (cli-runtime printers.GetNewTabWriter), `describe` uses
// minwidth 0 / padding 2 (describe.tabbedString). Cells are tab-terminated; the text after a line's last tab is not
// part of any column and is never padded. A column block is a run of consecutive lines that have a cell in that
// column; each block gets its own width (Go's Writer.format).

export interface TabwriterOptions {
  minwidth: number;
  padding: number;
}

export const GET_TABWRITER: TabwriterOptions = { minwidth: 6, padding: 3 };
export const DESCRIBE_TABWRITER: TabwriterOptions = { minwidth: 0, padding: 2 };

/** Width of a cell as Go counts it: in runes (UTF-8 code points), not UTF-16 units. */
function runeCount(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

/** Formats tab-separated text the way a flushed Go tabwriter.Writer would (padchar ' ', flags 0). */
export function tabwrite(text: string, opts: TabwriterOptions): string {
  const lines = text.split('\n').map((l) => l.split('\t'));
  const widthsOf = lines.map((cells) => cells.map(runeCount));
  const out: string[] = [];
  const widths: number[] = [];

  const writeLines = (line0: number, line1: number): void => {
    for (let i = line0; i < line1; i++) {
      const cells = lines[i];
      let s = '';
      for (let j = 0; j < cells.length; j++) {
        s += cells[j];
        if (j < widths.length) s += ' '.repeat(Math.max(0, widths[j] - widthsOf[i][j]));
      }
      out.push(s);
    }
  };

  const format = (line0: number, line1: number): void => {
    const column = widths.length;
    for (let t = line0; t < line1; t++) {
      if (column >= lines[t].length - 1) continue;
      // A cell exists in this column: print the lines before the block, then size the block.
      writeLines(line0, t);
      line0 = t;
      let width = opts.minwidth;
      for (; t < line1; t++) {
        if (column >= lines[t].length - 1) break;
        width = Math.max(width, widthsOf[t][column] + opts.padding);
      }
      widths.push(width);
      format(line0, t);
      widths.pop();
      line0 = t;
    }
    writeLines(line0, line1);
  };

  format(0, lines.length);
  return out.join('\n');
}
