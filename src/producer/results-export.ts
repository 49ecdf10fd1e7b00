import { stringify } from 'csv-stringify/sync';
import type { TurnRecord } from '../shared/records.js';

export type ResultFormat = 'jsonl' | 'csv';

/** The results columns, in docs/reference/contract.md's order (JSONL keys and CSV header alike). */
export const RESULT_COLUMNS = [
  'batchId',
  'conversationId',
  'turn',
  'line',
  'agentId',
  'input',
  'status',
  'chatId',
  'previousChatId',
  'chatStatus',
  'response',
  'reply',
  'attempts',
  'error',
  'completedAt',
] as const satisfies readonly (keyof TurnRecord)[];

/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, tab, carriage return first) gets a
 * leading apostrophe, the OWASP advice for CSV injection; the text is otherwise kept.
 */
export function neutraliseFormula(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value);
  return neutraliseFormula(text);
}

/** How CSV results are written, for spreadsheets. */
export interface CsvResultOptions {
  /** Cell separator, one character. Default `,`. */
  delimiter?: string;
  /** Start with a UTF-8 byte order mark, so Excel on Windows reads the text as UTF-8. Default false. */
  bom?: boolean;
}

/** Streams records as JSONL lines or CSV rows (header first), in chunks of text. */
export async function* resultLines(
  records: AsyncIterable<TurnRecord>,
  format: ResultFormat,
  csv: CsvResultOptions = {},
): AsyncGenerator<string> {
  const delimiter = csv.delimiter ?? ',';
  if (format === 'csv') {
    yield (
      (csv.bom ? '\uFEFF' : '') + stringify([RESULT_COLUMNS as unknown as string[]], { delimiter })
    );
  }
  let buffer: string[] = [];
  for await (const record of records) {
    buffer.push(
      format === 'jsonl'
        ? `${JSON.stringify(record)}\n`
        : stringify([RESULT_COLUMNS.map((column) => csvCell(record[column]))], { delimiter }),
    );
    if (buffer.length >= 500) {
      yield buffer.join('');
      buffer = [];
    }
  }
  if (buffer.length > 0) yield buffer.join('');
}
