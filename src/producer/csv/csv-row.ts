/** One data record of the CSV, read and checked on its own (cross-row rules come later). */
export interface CsvRow {
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
  /** The `agent_id` cell (trimmed), or the `--agent-id` default when the cell is empty. */
  agentId: string | undefined;
  /** The `input` cell, trimmed. */
  input: string;
  /** The `previous_chat_id` cell, trimmed; undefined when empty. */
  previousChatId: string | undefined;
  /** The `timezone` cell, trimmed; undefined when empty. */
  timezone: string | undefined;
  /**
   * Dynamic variables: header → trimmed cell, non-empty cells only. A prototype-free object, so
   * a column named `__proto__` or `constructor` is a plain own key.
   */
  variables: Record<string, string>;
  /** Empty when the row is valid; each message starts with the field it is about. */
  errors: string[];
}
