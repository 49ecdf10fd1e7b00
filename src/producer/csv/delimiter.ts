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
