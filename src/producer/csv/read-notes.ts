/**
 * What reading a CSV file learnt besides its rows, for the ingest report: the separator used
 * (and whether it was detected), and warnings that reject nothing (a header that nearly names a
 * reserved column, a quoted cell that looks like it swallowed rows). Filled in while reading.
 */
export class CsvReadNotes {
  /** The cell separator, once the header has been read. */
  delimiter: string | undefined;
  /** True when the separator was detected from the header line rather than given. */
  delimiterDetected = false;
  private readonly kept: string[] = [];
  private dropped = 0;

  constructor(
    /** Warnings kept in full; the rest are counted. Default 20. */
    private readonly maxWarnings = 20,
  ) {}

  warn(text: string): void {
    if (this.kept.length < this.maxWarnings) this.kept.push(text);
    else this.dropped++;
  }

  get warnings(): string[] {
    return this.dropped === 0
      ? [...this.kept]
      : [...this.kept, `… and ${this.dropped} more warnings of these kinds`];
  }
}
