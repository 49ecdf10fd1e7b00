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

/** Inputs longer than this are messages, not requests to stop (here and in the store's rule). */
export const OPT_OUT_MAX_INPUT = 80;

/** ASCII white space, as normaliseOptOut trims it. */
const isAsciiSpace = (code: number) => code === 32 || (code >= 9 && code <= 13);

/**
 * Whether an input is one of the (normalised) words, as `words.has(normaliseOptOut(input))`
 * for inputs of at most OPT_OUT_MAX_INPUT characters. Runs on every first turn of the fast path, so most inputs are turned away by their
 * first letter before any string is built.
 */
export function optOutTest(words: readonly string[]): (input: string) => boolean {
  const set = new Set(words);
  const firstLetters = new Set(words.map((word) => word.charCodeAt(0)));
  return (input) => {
    if (input.length > OPT_OUT_MAX_INPUT || set.size === 0) return false;
    let i = 0;
    while (i < input.length && isAsciiSpace(input.charCodeAt(i))) i++;
    const code = input.charCodeAt(i);
    const folded = code >= 65 && code <= 90 ? code + 32 : code;
    // Past a non-ASCII character the full check decides (trim() also strips Unicode spaces).
    return (folded > 127 || firstLetters.has(folded)) && set.has(normaliseOptOut(input));
  };
}
