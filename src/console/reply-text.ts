/**
 * The agent's reply as plain text: the `content` of every item of the vendor's `response` array,
 * joined by blank lines. The documented item is `{role, type, content: [text, …]}`; a `content`
 * that is a single string is taken too, and anything else (other shapes, non-text parts) is left
 * out rather than shown as JSON.
 */
export function replyText(response: readonly unknown[] | null | undefined): string {
  if (!response) return '';
  const parts: string[] = [];
  for (const item of response) {
    if (typeof item !== 'object' || item === null) continue;
    const content = (item as { content?: unknown }).content;
    if (typeof content === 'string') parts.push(content);
    else if (Array.isArray(content))
      parts.push(...content.filter((part): part is string => typeof part === 'string'));
  }
  return parts
    .map((part) => part.trim())
    .filter((part) => part !== '')
    .join('\n\n');
}
