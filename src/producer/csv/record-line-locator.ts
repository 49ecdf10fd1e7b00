const CR = 13;
const LF = 10;

/**
 * Turns csv-parse's line counter into the line where each record starts.
 *
 * csv-parse reports, per record, `info.lines`: the line the record ends on, counted by bumping
 * once per CR or LF character, except that a CRLF record delimiter counts once. Inside quoted
 * cells a CRLF counts twice, so every such pair shifts all later lines by one. We undo that by
 * counting the CRLF pairs in the cells we see, and find the start line by subtracting the line
 * breaks inside the record. Both scans only happen for records that span several lines (or
 * follow blank lines), so ordinary one-line records cost a subtraction.
 *
 * Records broken mid-way by a quote error give us no cells: their CRLFs cannot be counted, and
 * their start is inferred from where the previous record ended plus the blank lines between.
 * Call the methods in file order.
 */
export class RecordLineLocator {
  /** CRLF pairs inside cells seen so far: lines csv-parse has counted twice. */
  private doubleCountedLines = 0;
  /** True line the last located record ended on (a lower bound after a broken record). */
  private lastEndLine = 0;
  /** csv-parse's `info.empty_lines` when that record was located. */
  private emptyLinesBefore = 0;

  /**
   * Start line of a complete record.
   * @param cells the record's cells
   * @param reportedEndLine csv-parse's `info.lines` when the record was emitted
   * @param emptyLines csv-parse's `info.empty_lines` at the same moment
   */
  locate(cells: readonly string[], reportedEndLine: number, emptyLines: number): number {
    let endLine = reportedEndLine - this.doubleCountedLines;
    let startLine = endLine;
    if (endLine - this.lastEndLine > 1) {
      const breaks = countLineBreaks(cells);
      this.doubleCountedLines += breaks.crlfPairs;
      endLine -= breaks.crlfPairs;
      startLine = endLine - breaks.lineBreaks;
    }
    this.lastEndLine = endLine;
    this.emptyLinesBefore = emptyLines;
    return startLine;
  }

  /**
   * Best estimate of the start line of a record csv-parse gave up on before its end.
   * @param reportedLine csv-parse's line count when it found the problem
   * @param emptyLines csv-parse's `info.empty_lines` at the same moment
   */
  locateBroken(reportedLine: number, emptyLines: number): number {
    const problemLine = reportedLine - this.doubleCountedLines;
    const afterPrevious = this.lastEndLine + 1 + (emptyLines - this.emptyLinesBefore);
    const startLine = Math.min(afterPrevious, problemLine);
    // The record ends at or after the problem; the problem line is a safe lower bound.
    this.lastEndLine = Math.max(this.lastEndLine, problemLine);
    this.emptyLinesBefore = emptyLines;
    return startLine;
  }
}

/** Line breaks inside the cells (CR, LF and CRLF each count one). */
export function lineBreaksIn(cells: readonly string[]): number {
  return countLineBreaks(cells).lineBreaks;
}

/** Line breaks inside the cells (CR, LF and CRLF each count one), and how many were CRLF. */
function countLineBreaks(cells: readonly string[]): { lineBreaks: number; crlfPairs: number } {
  let lineBreaks = 0;
  let crlfPairs = 0;
  for (const cell of cells) {
    if (!cell.includes('\n') && !cell.includes('\r')) continue;
    for (let i = 0; i < cell.length; i++) {
      const code = cell.charCodeAt(i);
      if (code === LF) {
        lineBreaks++;
      } else if (code === CR) {
        lineBreaks++;
        if (cell.charCodeAt(i + 1) === LF) {
          crlfPairs++;
          i++;
        }
      }
    }
  }
  return { lineBreaks, crlfPairs };
}
