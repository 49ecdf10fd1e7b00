/**
 * Opt-out words: a turn whose whole input is one of these (CTIA's list by default) is a request
 * to stop, not a message for the agent. Configurable with CHATBATCH_OPT_OUT_WORDS
 * (comma-separated).
 */
export const DEFAULT_OPT_OUT_WORDS = [
  'STOP',
  'STOPALL',
  'UNSUBSCRIBE',
  'CANCEL',
  'END',
  'QUIT',
  'OPTOUT',
  'OPT OUT',
] as const;

/**
 * How an input is compared with the words: trimmed, inner runs of white space as one space,
 * case-folded. The store's begin script does the same to the input (lua-rules.ts), so keep the
 * two in step: ASCII white space and ASCII case only.
 */
export function normaliseOptOut(text: string): string {
  const spaced = text.trim().replace(/[ \t\r\n\f\v]+/g, ' ');
  // Runs on every first turn (the fast path): a replace callback per capital cost more than the
  // rest of the check, so fold ASCII capitals only where there are any.
  return ASCII_CAPITAL.test(spaced) ? spaced.replace(ASCII_CAPITALS, asciiLower) : spaced;
}

const ASCII_CAPITAL = /[A-Z]/;
const ASCII_CAPITALS = /[A-Z]+/g;
const asciiLower = (run: string) => run.toLowerCase();

/** The configured words, normalised, without duplicates or empties. */
export function optOutWordList(text: string | undefined): string[] {
  const words = text === undefined ? [...DEFAULT_OPT_OUT_WORDS] : text.split(',');
  return [...new Set(words.map(normaliseOptOut).filter((w) => w !== ''))];
}
