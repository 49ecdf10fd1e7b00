import { CsvFileError } from './csv-file-error.js';
import { MAX_CSV_COLUMNS } from './file-rules.js';
import { nearMissOf } from './near-miss.js';
import { textProblem, variableNameProblem } from '../field-rules.js';

/** The columns with a meaning of their own; any other header names a dynamic variable. */
export const KNOWN_COLUMNS = [
  'input',
  'agent_id',
  'conversation_id',
  'previous_chat_id',
  'timezone',
  'recipient_id',
] as const;
export type KnownColumn = (typeof KNOWN_COLUMNS)[number];

/**
 * What a near-miss header is compared with: the known columns, and `recipient_id`, which
 * docs/reference/contract.md reserves ("Added by the second wave").
 */
export const RESERVED_COLUMNS: readonly string[] = [
  ...new Set<string>([...KNOWN_COLUMNS, 'recipient_id']),
];

/** A variable column whose name nearly matches a reserved one (`Conversaton_ID`). */
export interface NearMiss {
  /** 1-based column number. */
  column: number;
  /** The header as written (trimmed). */
  name: string;
  /** The reserved column it seems meant to be. */
  meant: string;
}

/** Where each column is, worked out once from the header so rows are read by index. */
export interface HeaderLayout {
  readonly columnCount: number;
  /** Index of each known column, -1 when the file has none. */
  readonly index: Readonly<Record<KnownColumn, number>>;
  /** Indexes of the variable columns, and their names (trimmed, original case) alongside. */
  readonly variableIndexes: readonly number[];
  readonly variableNames: readonly string[];
  /** Variable columns named almost like a reserved column the file does not have. */
  readonly nearMisses: readonly NearMiss[];
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
    recipient_id: -1,
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

  // A near miss of a column the file has anyway is most likely a variable of its own.
  const present = new Set(cells.map((cell) => cell.trim().toLowerCase()));
  const nearMisses: NearMiss[] = [];
  variableIndexes.forEach((position, i) => {
    const name = variableNames[i]!;
    const meant = nearMissOf(name, RESERVED_COLUMNS);
    if (meant !== undefined && !present.has(meant))
      nearMisses.push({ column: position + 1, name, meant });
  });
  if (index.input === -1) {
    const guess = nearMisses.find((miss) => miss.meant === 'input');
    fail(
      guess
        ? `the header has no "input" column (column ${guess.column} "${guess.name}" looks like it: rename it to "input")`
        : 'the header has no "input" column',
    );
  }
  return { columnCount: cells.length, index, variableIndexes, variableNames, nearMisses };
}

/** The warning for a near miss, naming the column meant. */
export function describeNearMiss(miss: NearMiss): string {
  return (
    `header column ${miss.column} "${miss.name}" is not the reserved column "${miss.meant}": ` +
    `it is sent to the agent as a dynamic variable. Rename it to "${miss.meant}" if that is ` +
    `what it means (--strict refuses the file until then)`
  );
}

function asKnownColumn(name: string): KnownColumn | undefined {
  const lower = name.toLowerCase();
  return (KNOWN_COLUMNS as readonly string[]).includes(lower) ? (lower as KnownColumn) : undefined;
}
