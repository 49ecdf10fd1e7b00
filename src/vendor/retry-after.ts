/**
 * `Retry-After` (RFC 9110 §10.2.3): either delay-seconds or an HTTP-date.
 */

/** The longest wait a vendor may ask for; beyond it we assume a bogus header, not a plan. */
export const RETRY_AFTER_MAX_MS = 60 * 60 * 1000;

// delay-seconds is digits only; a sign and a fraction are tolerated because some proxies send them.
const SECONDS = /^-?\d+(?:\.\d+)?$/;
// IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT") and the obsolete RFC 850 form both end in GMT.
const GMT_DATE = /^[A-Za-z]{3,9}, [0-9A-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$/;
// asctime ("Sun Nov  6 08:49:37 1994") carries no zone but is defined to be GMT.
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Milliseconds to wait from `now` (epoch ms), or `undefined` when the header is absent or
 * unreadable. A date in the past or a negative number gives 0; anything longer than an hour is
 * capped at an hour. The date forms are matched before `Date.parse`, which would otherwise
 * accept garbage such as "1" (the year 2001).
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  let ms: number;
  if (SECONDS.test(text)) {
    ms = Number(text) * 1000;
  } else if (GMT_DATE.test(text)) {
    ms = Date.parse(text) - now;
  } else if (ASCTIME_DATE.test(text)) {
    ms = Date.parse(`${text} GMT`) - now;
  } else {
    return undefined;
  }
  if (Number.isNaN(ms)) return undefined;
  return Math.min(Math.max(0, Math.ceil(ms)), RETRY_AFTER_MAX_MS);
}
