import { pipeline, Readable } from 'node:stream';
import { CsvFileError } from './csv-file-error.js';
import type { CsvRow } from './csv-row.js';
import { detectDelimiter } from './delimiter.js';
import { delimiterProblem } from './file-rules.js';
import { describeNearMiss, parseHeaderLayout } from './header-layout.js';
import { LocatingCsvParser, type ParsedRecord } from './locating-parser.js';
import { CsvReadNotes } from './read-notes.js';
import { RowBuilder } from './row-builder.js';

export interface ReadCsvRowsOptions {
  /**
   * Cell separator, one character. Default: detected from the header line (`,` `;` tab `|`,
   * whichever occurs most; `,` when none does).
   */
  delimiter?: string;
  /** Agent for rows whose `agent_id` cell is empty or absent (`--agent-id`). Default none. */
  defaultAgentId?: string;
  /** File name used in `CsvFileError` messages. Default `CSV input`. */
  source?: string;
  /** Filled in while reading: the separator used, and warnings. Default: kept nowhere. */
  notes?: CsvReadNotes;
  /**
   * Refuse (CsvFileError) a header naming a column almost like a reserved one, instead of a
   * warning in `notes` (`--strict`). Default false.
   */
  strict?: boolean;
}

/** How much of the file's start detection may read to find the end of the header line. */
const DETECTION_PEEK_BYTES = 64 * 1024;

/**
 * Streams the data rows of a CSV file (docs/reference/contract.md, "CSV input"), each checked on its own, in
 * file order. Bad rows come back with `errors`, never as exceptions, so one broken row does not
 * sink its neighbours. Memory stays flat however long the file: one record at a time, plus the
 * parser's small read-ahead.
 *
 * Throws `CsvFileError` when the file cannot be read as a whole (empty, bad or duplicate header,
 * no `input` column, a runaway quote); a header-only file yields nothing. Errors of `input`
 * itself (e.g. ENOENT) come through unchanged. A bad `delimiter` throws a `RangeError`.
 */
export async function* readCsvRows(
  input: NodeJS.ReadableStream | Readable,
  options: ReadCsvRowsOptions = {},
): AsyncGenerator<CsvRow> {
  const source = options.source ?? 'CSV input';
  const notes = options.notes ?? new CsvReadNotes();
  const problem = options.delimiter === undefined ? undefined : delimiterProblem(options.delimiter);
  if (problem !== undefined) throw new RangeError(`delimiter: ${problem}`);

  let bytes: NodeJS.ReadableStream | Readable = input;
  let delimiter = options.delimiter;
  if (delimiter === undefined) {
    const peeked = await peekFirstLine(input);
    delimiter = detectDelimiter(peeked.text);
    notes.delimiterDetected = true;
    bytes = peeked.stream;
  }
  notes.delimiter = delimiter;

  const parser = new LocatingCsvParser(source, delimiter);
  // pipeline, unlike pipe, passes the input's errors on to the parser, whose iterator throws
  // them; it also closes the input when we stop early. Its callback has nothing left to do.
  pipeline(bytes, parser, () => {});

  let rows: RowBuilder | undefined;
  for await (const record of parser as AsyncIterable<ParsedRecord>) {
    if (Array.isArray(record)) {
      const line = parser.takeStartLine();
      if (rows === undefined) {
        const layout = parseHeaderLayout(record, source, line);
        for (const miss of layout.nearMisses) {
          if (options.strict) throw new CsvFileError(source, line, describeNearMiss(miss));
          notes.warn(describeNearMiss(miss));
        }
        rows = new RowBuilder(layout, blankToUndefined(options.defaultAgentId), delimiter, notes);
        continue;
      }
      yield rows.build(record, line);
    } else if (rows === undefined) {
      throw new CsvFileError(
        source,
        record.line,
        `the header row is not valid CSV: ${record.problems.join('; ')}`,
      );
    } else {
      yield* rows.brokenRows(record);
    }
  }
  if (rows === undefined)
    throw new CsvFileError(source, 1, 'file is empty, a header row is required');
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}

/**
 * Reads the start of `input` up to the end of its first line (at most DETECTION_PEEK_BYTES),
 * and gives back that text with a stream of every byte, the peeked ones first. Closing the
 * returned stream early closes `input` too.
 */
async function peekFirstLine(
  input: NodeJS.ReadableStream | Readable,
): Promise<{ text: string; stream: Readable }> {
  const iterator = (input as AsyncIterable<Buffer | string>)[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  const scan = firstLineScanner();
  let size = 0;
  let done = false;
  while (size < DETECTION_PEEK_BYTES) {
    const step = await iterator.next();
    if (step.done) {
      done = true;
      break;
    }
    const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
    head.push(chunk);
    size += chunk.length;
    if (scan(chunk)) break;
  }
  async function* all(): AsyncGenerator<Buffer> {
    try {
      yield* head;
      while (!done) {
        const step = await iterator.next();
        if (step.done) return;
        yield typeof step.value === 'string' ? Buffer.from(step.value) : step.value;
      }
    } finally {
      await iterator.return?.();
    }
  }
  return {
    text: Buffer.concat(head).toString('utf8'),
    stream: Readable.from(all(), { objectMode: false }),
  };
}

/** Feeds chunks in order; true once a line break outside quotes has been seen. */
function firstLineScanner(): (chunk: Buffer) => boolean {
  const QUOTE = 0x22;
  const LF = 0x0a;
  const CR = 0x0d;
  let quoted = false;
  return (chunk) => {
    for (const byte of chunk) {
      if (byte === QUOTE) quoted = !quoted;
      else if (!quoted && (byte === LF || byte === CR)) return true;
    }
    return false;
  };
}
