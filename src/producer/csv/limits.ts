/**
 * Field limits of the vendor's "Create a Chat" endpoint (CONTRACT.md, top), plus our own limit on
 * conversation ids. Lengths are JavaScript string lengths (UTF-16 code units): never more than
 * the number of code points, so a value that passes here also passes a code-point count.
 */
export const CSV_LIMITS = Object.freeze({
  agentIdMaxLength: 64,
  inputMaxLength: 20_480,
  previousChatIdMaxLength: 128,
  conversationIdMaxLength: 256,
});

/**
 * A record larger than this is almost surely a quote left open that swallows the rest of the
 * file; we stop there instead of buffering the file into one cell. A legitimate record is far
 * smaller (input ≤ 20,480 chars, plus its variables).
 */
export const MAX_RECORD_BYTES = 16 * 1024 * 1024;
