/**
 * What makes a CSV file readable at all: its delimiter, its columns and the size of one record.
 * Row-level rules live in row-builder.ts; the rules of text and variables, shared with JSON
 * bodies, in ../field-rules.ts; the vendor's field limits in src/vendor/chats-api.ts.
 */

/**
 * Why `delimiter` cannot separate cells, or undefined when it can. For the CLI to turn a bad
 * `--delimiter` into a usage error before any reading starts.
 */
export function delimiterProblem(delimiter: string): string | undefined {
  if ([...delimiter].length !== 1) return 'must be exactly one character';
  if (delimiter === '"') return 'cannot be the quote character';
  if (delimiter === '\r' || delimiter === '\n') return 'cannot be a line break';
  return undefined;
}

/**
 * Columns of a header (and so cells of a record): a file that needs more is almost surely not
 * a contact list, and every row's cost grows with them.
 */
export const MAX_CSV_COLUMNS = 200;

/**
 * A record larger than this is almost surely a quote left open that swallows the rest of the
 * file; we stop there instead of buffering the file into one cell. A legitimate record is far
 * smaller (input ≤ 20,480 chars, plus its variables).
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
