// Intl answers "is this a time zone?" by building a formatter, which is slow; a batch usually
// repeats a handful of zones, so verdicts are cached. The cache is bounded because a broken
// column could hold a different bad value on each of a million rows.
const MAX_CACHED_VERDICTS = 2_000;
const verdicts = new Map<string, boolean>();

/** True when `name` is a time zone Intl knows (IANA names and links; not `+05:00` offsets). */
export function isIanaTimeZone(name: string): boolean {
  const cached = verdicts.get(name);
  if (cached !== undefined) return cached;
  const valid = intlAcceptsTimeZone(name);
  if (verdicts.size < MAX_CACHED_VERDICTS) verdicts.set(name, valid);
  return valid;
}

function intlAcceptsTimeZone(name: string): boolean {
  // Node 20 rejects offset strings, but newer engines accept them as zones; the contract asks
  // for IANA names, so offsets are refused here whatever the engine says.
  if (name === '' || name.startsWith('+') || name.startsWith('-')) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}
