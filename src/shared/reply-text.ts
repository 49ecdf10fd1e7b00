/**
 * The agent's reply as plain text, for the results' `reply` column (people reading results in a
 * spreadsheet want the words, not the vendor's `response` array).
 *
 * The rule: take the items of `response` in order; leave out an item whose `role` is given and
 * is not `assistant`, or whose `type` is given and is not `message`; of each item take its
 * `content`: a string, or the strings of an array (an element `{text: "…"}` counts as its
 * text; other elements are left out); join all the pieces with one line break (`\n`).
 * `null` when the turn has no response (not completed), `""` when the response holds no text.
 */
export function replyText(response: readonly unknown[] | null): string | null {
  if (response === null) return null;
  const pieces: string[] = [];
  for (const item of response) {
    if (typeof item !== 'object' || item === null) continue;
    const { role, type, content } = item as Record<string, unknown>;
    if (role !== undefined && role !== 'assistant') continue;
    if (type !== undefined && type !== 'message') continue;
    if (typeof content === 'string') pieces.push(content);
    else if (Array.isArray(content)) {
      for (const part of content) {
        if (typeof part === 'string') pieces.push(part);
        else if (typeof part === 'object' && part !== null) {
          const text = (part as Record<string, unknown>).text;
          if (typeof text === 'string') pieces.push(text);
        }
      }
    }
  }
  return pieces.join('\n');
}
