/**
 * Conversation id of a row without a `conversation_id`: each such row is a conversation of its
 * own, named after its line so reports can point at it.
 */
export function conversationIdForLine(line: number): string {
  return `line-${line}`;
}
