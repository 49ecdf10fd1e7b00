import { delimiterProblem } from './file-rules.js';

/**
 * The cell separator of a file: given (`--delimiter`, the API's `delimiter`), or detected from
 * the header line. Spreadsheets write `;` where the decimal mark is a comma (most of Europe),
 * tabs for "Unicode text", and some exports use `|`.
 */

/** The separators detection chooses from, in order of preference on a tie. */
export const DETECTABLE_DELIMITERS = [',', ';', '\t', '|'] as const;

/** Names accepted for separators that are awkward to type in a shell or a URL. */
const DELIMITER_NAMES: Record<string, string> = {
  '\\t': '\t',
  tab: '\t',
  comma: ',',
  semicolon: ';',
  pipe: '|',
};

/**
 * The separator a user means: one character as is, or `\t`, `tab`, `comma`, `semicolon`,
 * `pipe`. Throws a RangeError naming the rule for anything else (for a usage error).
 */
export function delimiterFromName(text: string): string {
  const named = DELIMITER_NAMES[text.toLowerCase()];
  const delimiter = named ?? text;
  const problem = delimiterProblem(delimiter);
  if (problem !== undefined)
    throw new RangeError(`${problem} (or one of \\t, tab, comma, semicolon, pipe)`);
  return delimiter;
}

/** How a separator is shown to a person: the tab by name. */
export function delimiterLabel(delimiter: string): string {
  return delimiter === '\t' ? 'tab' : `"${delimiter}"`;
}

/**
 * The separator of `headerLine` (the file's first line, or its start): the candidate that
 * occurs most often outside quotes, `,` on a tie or when none occurs (a one-column file).
 */
export function detectDelimiter(headerLine: string): string {
  const counts = new Map<string, number>(DETECTABLE_DELIMITERS.map((d) => [d, 0]));
  let quoted = false;
  for (const char of headerLine) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) break;
    else if (!quoted && counts.has(char)) counts.set(char, counts.get(char)! + 1);
  }
  let best: string = ',';
  let bestCount = 0;
  for (const delimiter of DETECTABLE_DELIMITERS) {
    const count = counts.get(delimiter)!;
    if (count > bestCount) {
      best = delimiter;
      bestCount = count;
    }
  }
  return best;
}
