import { CsvFileError } from './csv-file-error.js';
import { MAX_CSV_COLUMNS } from './file-rules.js';
import { textProblem, variableNameProblem } from '../field-rules.js';

/** The columns with a meaning of their own; any other header names a dynamic variable. */
export const KNOWN_COLUMNS = [
  'input',
  'agent_id',
  'conversation_id',
  'previous_chat_id',
  'timezone',
] as const;
export type KnownColumn = (typeof KNOWN_COLUMNS)[number];

/** Where each column is, worked out once from the header so rows are read by index. */
export interface HeaderLayout {
  readonly columnCount: number;
  /** Index of each known column, -1 when the file has none. */
  readonly index: Readonly<Record<KnownColumn, number>>;
  /** Indexes of the variable columns, and their names (trimmed, original case) alongside. */
  readonly variableIndexes: readonly number[];
  readonly variableNames: readonly string[];
}

/**
 * Reads the header record. Throws `CsvFileError` for an empty, duplicate or too long name, a
 * name that is not valid UTF-8, more than MAX_CSV_COLUMNS columns, or a missing `input` column:
 * any of these makes every row ambiguous (or every row too costly).
 */
export function parseHeaderLayout(
  cells: readonly string[],
  source: string,
  line: number,
): HeaderLayout {
  const fail = (reason: string): never => {
    throw new CsvFileError(source, line, reason);
  };
  const index: Record<KnownColumn, number> = {
    input: -1,
    agent_id: -1,
    conversation_id: -1,
    previous_chat_id: -1,
    timezone: -1,
  };
  const variableIndexes: number[] = [];
  const variableNames: string[] = [];
  const variableColumnByName = new Map<string, number>();

  // The parser keeps one cell past the limit (cell-cap.ts), enough to know it was passed.
  if (cells.length > MAX_CSV_COLUMNS) fail(`the header has more than ${MAX_CSV_COLUMNS} columns`);
  cells.forEach((cell, position) => {
    const name = cell.trim();
    const column = position + 1;
    if (name === '') fail(`header column ${column} is empty; every column needs a name`);
    const textual = textProblem(name);
    if (textual !== undefined) fail(`header column ${column} is ${textual}`);
    const problem = variableNameProblem(name);
    if (problem !== undefined) fail(`header column ${column}: the name ${problem}`);
    const known = asKnownColumn(name);
    if (known !== undefined) {
      if (index[known] !== -1)
        fail(`duplicate column "${known}" (columns ${index[known] + 1} and ${column})`);
      index[known] = position;
      return;
    }
    const earlier = variableColumnByName.get(name);
    if (earlier !== undefined)
      fail(`duplicate column "${name}" (columns ${earlier} and ${column})`);
    variableColumnByName.set(name, column);
    variableIndexes.push(position);
    variableNames.push(name);
  });

  if (index.input === -1) fail('the header has no "input" column');
  return { columnCount: cells.length, index, variableIndexes, variableNames };
}

function asKnownColumn(name: string): KnownColumn | undefined {
  const lower = name.toLowerCase();
  return (KNOWN_COLUMNS as readonly string[]).includes(lower) ? (lower as KnownColumn) : undefined;
}
