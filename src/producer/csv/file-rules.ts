/**
 * What makes a CSV file readable at all: its delimiter, the bytes it may hold, and the size of
 * one record. Row-level rules live in row-builder.ts; the vendor's field limits in
 * src/vendor/chats-api.ts (CHAT_LIMITS).
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
 * csv-parse decodes each cell's bytes as UTF-8, turning every invalid sequence into U+FFFD, so
 * the character's presence is how bad bytes show. (A file that really contains U+FFFD is flagged
 * too; that character only ever stands for lost text, so rejecting it loses nothing.)
 * On a string with no character above U+00FF, V8 answers this without scanning.
 */
export function hasReplacementCharacter(text: string): boolean {
  return text.includes('\uFFFD');
}

/**
 * A record larger than this is almost surely a quote left open that swallows the rest of the
 * file; we stop there instead of buffering the file into one cell. A legitimate record is far
 * smaller (input ≤ 20,480 chars, plus its variables).
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
