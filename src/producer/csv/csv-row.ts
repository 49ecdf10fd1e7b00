import type { IngestRow } from '../ingest-row.js';

/** One data record of the CSV, read and checked on its own (cross-row rules come later). */
export interface CsvRow extends IngestRow {
  /** 1-based line of the file where the record starts; the header is line 1. */
  line: number;
  /** The `conversation_id` cell, trimmed; `line-<line>` when the column is absent or the cell empty. */
  conversationId: string;
  /** True when `conversationId` came from the file rather than from the line number. */
  explicitConversation: boolean;
  /**
   * True when the file has no `conversation_id` column: every row is a whole conversation, so
   * ingest can commit it at once instead of staging it.
   */
  standalone: boolean;
}

/**
 * Conversation id of a row without a `conversation_id`: each such row is a conversation of its
 * own, named after its line so reports can point at it.
 */
export function conversationIdForLine(line: number): string {
  return `line-${line}`;
}
