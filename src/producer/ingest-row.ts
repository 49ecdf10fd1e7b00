/**
 * One row of input on its way into `ingestRows`, validated (or not), from a CSV file
 * (`CsvRow`, which adds where it came from) or an API body (json-conversations.ts). A row is
 * one turn; rows that share `conversationId` are the turns of one conversation, in order.
 */
export interface IngestRow {
  /** 1-based line of a CSV record (the header is line 1); null for rows of a JSON body. */
  line: number | null;
  /** For API bodies: index of the conversation in the request. */
  index?: number;
  conversationId: string;
  /** The agent (the batch default already applied); undefined when there is none. */
  agentId: string | undefined;
  /** The customer's message, trimmed. */
  input: string;
  /** Continue this existing chat (a conversation's first row only); undefined when empty. */
  previousChatId: string | undefined;
  /** The recipient's IANA time zone; undefined when empty. */
  timezone: string | undefined;
  /**
   * The person the conversation reaches (a phone number, an email, a CRM id), for the contact
   * rules; never sent to the vendor. Later rows may leave it empty. Undefined when empty.
   */
  recipientId?: string | undefined;
  /**
   * Dynamic variables: name → text, non-empty values only. A prototype-free object, so a name
   * such as `__proto__` or `constructor` is a plain own key.
   */
  variables: Record<string, string>;
  /** Empty when the row is valid; each message starts with the field it is about. */
  errors: string[];
  /** The row is a whole conversation (a CSV without `conversation_id`): commit it directly. */
  standalone?: boolean;
}
