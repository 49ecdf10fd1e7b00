import type { CsvRow } from './csv-row.js';

/**
 * Conversation id of a row without a `conversation_id`: each such row is a conversation of its
 * own, named after its line so reports can point at it.
 */
export function conversationIdForLine(line: number): string {
  return `line-${line}`;
}

/**
 * The variables a turn sends: its conversation's first-row variables, overlaid with its own
 * row's non-empty cells (rows only carry non-empty cells, so a plain overlay does it).
 * The result has no prototype, so keys such as `__proto__` stay plain own keys.
 */
export function turnVariables(
  first: Record<string, string>,
  own: Record<string, string>,
): Record<string, string> {
  const merged = Object.create(null) as Record<string, string>;
  // Object.keys + assignment onto a prototype-free object: no setter runs, whatever the key.
  for (const key of Object.keys(first)) merged[key] = first[key] as string;
  for (const key of Object.keys(own)) merged[key] = own[key] as string;
  return merged;
}

/**
 * Problems a row only has as a later turn of its conversation (rows are checked alone first).
 * `previous_chat_id` continues an existing chat, which only makes sense on turn 1: later turns
 * continue the chat of the turn before.
 */
export function laterTurnErrors(row: CsvRow): string[] {
  return row.previousChatId === undefined
    ? []
    : ['previous_chat_id: only allowed on the first row of a conversation'];
}
