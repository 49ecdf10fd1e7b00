import type { HeaderLayout } from './header-layout.js';

/**
 * A quote left open takes the lines after it into one cell. When the quote never closes,
 * csv-parse says so at the end of the file (see locating-parser.ts); when a later stray quote
 * happens to close it, the file reads as valid and one cell holds several rows. These helpers
 * read such swallowed lines back.
 */

/**
 * The cells of one line of CSV text, quotes honoured (`""` inside quotes is a quote), no line
 * breaks expected: enough to find the conversation id in a line a quote swallowed.
 */
export function splitLine(text: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells;
}

/**
 * A warning when a record's multi-line cell looks like it swallowed rows: every line after its
 * first splits into exactly as many cells as the header has columns (the last may be cut short
 * by the stray quote that closed the cell). A real multi-line message rarely does; a quote left
 * open and closed by a stray quote later does. Only a warning: the record is valid CSV, and a
 * message may happen to look like that.
 */
export function suspectedSwallowedRows(
  cells: readonly string[],
  line: number,
  layout: HeaderLayout,
  delimiter: string,
): string | undefined {
  if (layout.columnCount < 2) return undefined;
  let linesBefore = 0;
  for (let column = 0; column < cells.length; column++) {
    const cell = cells[column]!;
    if (!cell.includes('\n') && !cell.includes('\r')) continue;
    const parts = cell.split(/\r\n|\r|\n/);
    const inner = parts.slice(1).filter((part) => part.trim() !== '');
    const widths = inner.map((part) => splitLine(part, delimiter).length);
    // The last line may be cut short by the stray quote that closed the cell.
    if (
      widths.some((width) => width === layout.columnCount) &&
      widths.every((width, i) =>
        i === widths.length - 1 ? width <= layout.columnCount : width === layout.columnCount,
      )
    ) {
      const openLine = line + linesBefore;
      const lastLine = openLine + parts.length - 1;
      return (
        `lines ${openLine}–${lastLine}: one quoted cell (column ${column + 1}) holds ` +
        `${inner.length === 1 ? 'a line that looks' : `${inner.length} lines that look`} like ` +
        `rows of their own; is a quote left open on line ${openLine}?`
      );
    }
    linesBefore += parts.length - 1;
  }
  return undefined;
}
