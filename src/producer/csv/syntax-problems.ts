import type { CsvError } from 'csv-parse';

/**
 * A row-level message for a record csv-parse could not read, in the same "field: problem" shape
 * as the validation messages (the field being `csv`, since no cell can be trusted).
 * @param headerLength number of columns in the header, for the column-count message
 */
export function describeSyntaxError(error: CsvError, headerLength: number): string {
  switch (error.code) {
    case 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH': {
      const found = Array.isArray(error['record'])
        ? error['record'].length
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
