/**
 * A problem with the file as a whole (no header, a broken header, a runaway record): nothing in
 * it can be read. Row-level problems are never thrown; they come back as `CsvRow.errors`.
 */
export class CsvFileError extends Error {
  override readonly name = 'CsvFileError';

  constructor(
    /** The file name given to `readCsvRows` (for messages). */
    readonly source: string,
    /** 1-based line of the file the problem is on, the header being line 1. */
    readonly line: number,
    /** The problem without the location, e.g. `file is empty, a header row is required`. */
    readonly reason: string,
  ) {
    super(`${source}, line ${line}: ${reason}`);
  }
}
