import { stringify } from 'csv-stringify/sync';
import type { RejectedRow } from '../shared/records.js';
import { neutraliseFormula, type CsvResultOptions, type ResultFormat } from './results-export.js';

/** The columns of `chatbatch rejected --format csv` (and the JSONL keys, `index` for JSON only). */
export const REJECTED_COLUMNS = ['line', 'index', 'conversationId', 'errors'] as const;

/**
 * A batch's rejected rows as JSONL lines (`{line, index?, conversationId, errors}`) or CSV rows
 * (errors joined with "; "; cells a spreadsheet would run as a formula neutralised), in chunks.
 * CSV takes the results export's options (delimiter, byte order mark).
 */
export function* rejectedLines(
  rows: readonly RejectedRow[],
  format: ResultFormat,
  csv: CsvResultOptions = {},
): Generator<string> {
  const delimiter = csv.delimiter ?? ',';
  if (format === 'csv') {
    yield (
      (csv.bom ? '\uFEFF' : '') +
      stringify([REJECTED_COLUMNS as unknown as string[]], { delimiter })
    );
  }
  for (let start = 0; start < rows.length; start += 500) {
    const chunk = rows.slice(start, start + 500);
    yield format === 'jsonl'
      ? chunk.map((row) => `${JSON.stringify(row)}\n`).join('')
      : stringify(
          chunk.map((row) => [
            row.line ?? '',
            row.index ?? '',
            neutraliseFormula(row.conversationId),
            neutraliseFormula(row.errors.join('; ')),
          ]),
          { delimiter },
        );
  }
}
