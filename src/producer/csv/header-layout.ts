import { CsvFileError } from './csv-file-error.js';
import { hasReplacementCharacter } from './file-rules.js';

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
 * Reads the header record. Throws `CsvFileError` for an empty or duplicate name, a name that is
 * not valid UTF-8, or a missing `input` column: any of these makes every row ambiguous.
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

  cells.forEach((cell, position) => {
    const name = cell.trim();
    const column = position + 1;
    if (name === '') fail(`header column ${column} is empty; every column needs a name`);
    if (hasReplacementCharacter(name)) fail(`header column ${column} is not valid UTF-8`);
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
