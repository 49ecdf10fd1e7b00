import { Parser, type CsvError } from 'csv-parse';
import { CsvFileError } from './csv-file-error.js';
import { capCellsPerRecord, type CellCap } from './cell-cap.js';
import { MAX_CSV_COLUMNS, MAX_RECORD_BYTES } from './file-rules.js';
import { RecordLineLocator, lineBreaksIn } from './record-line-locator.js';

/** The parts of csv-parse's internal state read when a quote is never closed. */
interface ParserState {
  field: { toString(encoding: BufferEncoding): string };
  record: string[];
  quoting: boolean;
}

/** A record csv-parse could not read, reported in its place in the file. */
export interface BrokenRecord {
  readonly kind: 'broken';
  /** 1-based line where the record starts (an estimate when csv-parse gave up mid-record). */
  line: number;
  readonly problems: string[];
  /** The cells, when csv-parse read the record to its end (wrong cell count). */
  cells: string[] | undefined;
  /** csv-parse's line count at the first problem, to recognise more problems of the same record. */
  readonly reportedLine: number;
  /**
   * The cells read before the problem, when csv-parse gave up mid-record: enough to find the
   * conversation id when it comes before the broken cell.
   */
  leadingCells?: string[];
  /** True while the record's quote is still open (csv-parse reads on in the quoted cell). */
  quoteOpen?: boolean;
  /** A quote never closed: the lines it swallowed into one cell, to the end of the file. */
  openQuote?: OpenQuoteSpan;
}

/** The lines a quote left open took into one cell. */
export interface OpenQuoteSpan {
  /** Line where the quote opened. */
  openLine: number;
  /** Last line taken into the cell. */
  lastLine: number;
  /** The lines after `openLine` taken in, not blank, with their line numbers. */
  lines: { line: number; text: string }[];
}

/** What the parser yields, in file order: the header and good records as cells, broken records as such. */
export type ParsedRecord = string[] | BrokenRecord;

/**
 * csv-parse's streaming parser, set up for chatbatch (BOM, strict cell count, blank lines
 * skipped, bad records skipped rather than fatal), that also knows the start line of each
 * record and yields each skipped record in its place.
 *
 * Why a subclass: csv-parse's `info: true` copies its whole info object three times per record,
 * which halves the read rate, and its line count is off after a CRLF inside quotes anyway. The
 * parser calls `push` synchronously as each record ends, so reading `this.info` there gives the
 * same figures for free; the start lines wait in a queue, in the order records are yielded.
 * Skipped records are reported through the `skip` event, synchronously and in file order too, so
 * pushing them from there keeps them in place among the good records.
 */
export class LocatingCsvParser extends Parser {
  private readonly locator = new RecordLineLocator();
  private readonly startLines: number[] = [];
  private startLinesHead = 0;
  private pendingBroken: BrokenRecord | undefined;
  private headerLength = 0;
  /** Start line of the last record pushed, good or broken: records come in file order. */
  private lastLine = 0;
  /** Cells past the header's count (plus one) are counted, not kept: see cell-cap.ts. */
  private readonly cellCap: CellCap;

  constructor(
    private readonly source: string,
    delimiter: string | undefined,
  ) {
    super({
      bom: true,
      delimiter,
      // CRLF, LF and CR all end a record, so files glued together from different sources
      // still read; csv-parse would otherwise pick one from the first line break it sees.
      record_delimiter: ['\r\n', '\n', '\r'],
      relax_column_count: false,
      skip_records_with_error: true,
      skip_empty_lines: true,
      max_record_size: MAX_RECORD_BYTES,
    });
    this.cellCap = capCellsPerRecord(this, MAX_CSV_COLUMNS + 1);
    this.on('skip', (error: CsvError | undefined) => this.recordSkipped(error));
  }

  /** Start line of the next cell array taken from this stream; call once per array, in order. */
  takeStartLine(): number {
    const line = this.startLines[this.startLinesHead++];
    if (line === undefined) throw new Error('LocatingCsvParser: more records taken than parsed');
    // Drop the consumed front now and then rather than shifting on every record.
    if (this.startLinesHead >= 1024 && this.startLinesHead * 2 >= this.startLines.length) {
      this.startLines.splice(0, this.startLinesHead);
      this.startLinesHead = 0;
    }
    return line;
  }

  override push(chunk: unknown, encoding?: BufferEncoding): boolean {
    if (chunk === null) {
      this.releaseBroken();
    } else if (Array.isArray(chunk)) {
      this.releaseBroken();
      const cells = chunk as string[];
      this.cellCap.takeDropped();
      if (this.headerLength === 0) {
        this.headerLength = cells.length;
        this.cellCap.setLimit(cells.length + 1);
      }
      const line = this.locator.locate(cells, this.info.lines, this.info.empty_lines);
      this.startLines.push(line);
      this.lastLine = line;
    }
    return super.push(chunk, encoding);
  }

  private recordSkipped(error: CsvError | undefined): void {
    if (error === undefined) return;
    const reportedLine = numberProperty(error, 'lines');
    if (error.code === 'CSV_MAX_RECORD_SIZE') {
      // Thrown from here, csv-parse fails the stream with it instead of skipping.
      throw new CsvFileError(
        this.source,
        reportedLine,
        `a record grows past ${MAX_RECORD_BYTES / 1024 / 1024} MiB; is a quote left open?`,
      );
    }
    const emptyLines = numberProperty(error, 'empty_lines');
    const dropped =
      error.code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH' ? this.cellCap.takeDropped() : 0;
    const problem = describeSyntaxError(error, this.headerLength, dropped);
    // A cell-count error comes at the record's end, with its cells: its start line is exact.
    const cells = stringArrayProperty(error, 'record');
    const exactLine =
      cells === undefined ? undefined : this.locator.locate(cells, reportedLine, emptyLines);

    const pending = this.pendingBroken;
    const quoteNotClosed = error.code === 'CSV_QUOTE_NOT_CLOSED';
    const sameRecord =
      pending !== undefined &&
      (pending.reportedLine === reportedLine ||
        (exactLine !== undefined && exactLine <= pending.line) ||
        // After text behind a closing quote, csv-parse reads on inside the quote to the end.
        (quoteNotClosed && pending.quoteOpen === true));
    let record: BrokenRecord;
    if (sameRecord) {
      record = pending;
      if (exactLine !== undefined) {
        pending.line = Math.min(pending.line, exactLine);
        pending.cells = cells;
      }
    } else {
      this.releaseBroken();
      record = {
        kind: 'broken',
        line: exactLine ?? this.locator.locateBroken(reportedLine, emptyLines),
        problems: [],
        cells,
        reportedLine,
      };
      this.pendingBroken = record;
    }
    const state = this.parserState();
    record.quoteOpen = state.quoting;
    if (record.leadingCells === undefined && state.record.length > 0)
      record.leadingCells = [...state.record];
    if (quoteNotClosed) record.openQuote = openQuoteSpan(record.line, state);
    const described = record.openQuote ? describeOpenQuote(record.openQuote) : problem;
    if (!record.problems.includes(described)) record.problems.push(described);
  }

  private parserState(): ParserState {
    return (this as unknown as { state: ParserState }).state;
  }

  /** A broken record is held back until the next record shows it has no more problems. */
  private releaseBroken(): void {
    const broken = this.pendingBroken;
    if (broken === undefined) return;
    this.pendingBroken = undefined;
    // A broken record's line is an estimate when csv-parse gave up mid-record; it never comes
    // before the record pushed ahead of it.
    broken.line = Math.max(broken.line, this.lastLine + 1);
    this.lastLine = broken.line;
    super.push(broken);
  }
}

/**
 * The span of a quote never closed, from csv-parse's state at the end of the file: the cells
 * read before the quoted one (their line breaks move the opening line down) and the quoted
 * cell's text so far, which runs to the end of the file.
 */
function openQuoteSpan(recordLine: number, state: ParserState): OpenQuoteSpan {
  const openLine = recordLine + lineBreaksIn(state.record);
  const segments = state.field.toString('utf8').split(/\r\n|\r|\n/);
  // The text ends with the file's last line break: no line follows it.
  if (segments.length > 1 && segments[segments.length - 1] === '') segments.pop();
  const lines: OpenQuoteSpan['lines'] = [];
  segments.forEach((text, i) => {
    if (i > 0 && text.trim() !== '') lines.push({ line: openLine + i, text });
  });
  return { openLine, lastLine: openLine + segments.length - 1, lines };
}

function describeOpenQuote(span: OpenQuoteSpan): string {
  return span.lastLine > span.openLine
    ? `csv: a quote opened on line ${span.openLine} runs to the end of the file, so lines ${span.openLine}–${span.lastLine} were read as one quoted cell`
    : 'csv: a quoted cell is not closed before the end of the file';
}

function numberProperty(error: CsvError, key: string): number {
  const value = error[key];
  return typeof value === 'number' ? value : 0;
}

function stringArrayProperty(error: CsvError, key: string): string[] | undefined {
  const value = error[key];
  return Array.isArray(value) && value.every((cell) => typeof cell === 'string')
    ? (value as string[])
    : undefined;
}

/**
 * A row-level message for a record csv-parse could not read, in the same "field: problem" shape
 * as the validation messages (the field being `csv`, since no cell can be trusted).
 * @param headerLength number of columns in the header, for the column-count message
 * @param droppedCells cells of the record that were counted but not kept (see cell-cap.ts)
 */
export function describeSyntaxError(
  error: CsvError,
  headerLength: number,
  droppedCells = 0,
): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const found = Array.isArray(error['record'])
        ? error['record'].length + droppedCells
        : 'a different number of';
      return `csv: ${found} cells, but the header has ${headerLength} columns (is a comma inside a cell not quoted?)`;
    }
    case 'INVALID_OPENING_QUOTE':
      return 'csv: a quote inside an unquoted cell (quote the whole cell and write each inner quote as "")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'csv: text after a closing quote (inside a quoted cell, write each quote as "")';
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'csv: a quoted cell is not closed before the end of the file';
    default:
      return `csv: ${error.message}`;
  }
}
