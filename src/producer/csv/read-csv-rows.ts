import { pipeline, type Readable } from 'node:stream';
import { CsvFileError } from './csv-file-error.js';
import type { CsvRow } from './csv-row.js';
import { delimiterProblem } from './file-rules.js';
import { parseHeaderLayout } from './header-layout.js';
import { LocatingCsvParser, type ParsedRecord } from './locating-parser.js';
import { RowBuilder } from './row-builder.js';

export interface ReadCsvRowsOptions {
  /** Cell separator, one character. Default `,`. */
  delimiter?: string;
  /** Agent for rows whose `agent_id` cell is empty or absent (`--agent-id`). Default none. */
  defaultAgentId?: string;
  /** File name used in `CsvFileError` messages. Default `CSV input`. */
  source?: string;
}

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
  const problem = options.delimiter === undefined ? undefined : delimiterProblem(options.delimiter);
  if (problem !== undefined) throw new RangeError(`delimiter: ${problem}`);

  const parser = new LocatingCsvParser(source, options.delimiter);
  // pipeline, unlike pipe, passes the input's errors on to the parser, whose iterator throws
  // them; it also closes the input when we stop early. Its callback has nothing left to do.
  pipeline(input, parser, () => {});

  let rows: RowBuilder | undefined;
  for await (const record of parser as AsyncIterable<ParsedRecord>) {
    if (Array.isArray(record)) {
      const line = parser.takeStartLine();
      if (rows === undefined) {
        rows = new RowBuilder(
          parseHeaderLayout(record, source, line),
          blankToUndefined(options.defaultAgentId),
        );
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
      yield rows.broken(record);
    }
  }
  if (rows === undefined)
    throw new CsvFileError(source, 1, 'file is empty, a header row is required');
}

function blankToUndefined(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === '' ? undefined : trimmed;
}
