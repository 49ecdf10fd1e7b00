/**
 * The one rule for a point in time given by a user (`scheduleAt`/`expireAt` in the API's JSON
 * fields, query parameters and form fields; `--schedule-at`/`--expire-at` in the CLI): an
 * ISO-8601 date and time with a zone (`Z` or `±HH:MM`), that names a real instant. It must
 * parse AND round-trip: `Date.parse` rolls `2030-02-31` over to March 3rd and reads hour 24 as
 * the next day, so every field is checked against its range before the value is taken.
 */

export const INSTANT_RULE = 'an ISO-8601 time with a zone, e.g. 2026-12-01T09:00:00+01:00';

const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-](\d{2}):(\d{2}))$/;

/** A time that is not a real instant; the message says which field is wrong. */
export class InstantError extends Error {
  override readonly name = 'InstantError';
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1]!;
}

/** Why the fields of a matched time name no instant, or undefined when they name one. */
function problemOf(fields: number[]): string | undefined {
  const [year, month, day, hour, minute, second, offsetHours, offsetMinutes] = fields as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12) return `month ${month} does not exist`;
  const days = daysInMonth(year, month);
  if (day < 1 || day > days)
    return `day ${day} does not exist in ${year}-${String(month).padStart(2, '0')} (${days} days)`;
  if (hour > 23) return `hour ${hour} is not 00-23`;
  if (minute > 59) return `minute ${minute} is not 00-59`;
  if (second > 59) return `second ${second} is not 00-59`;
  if (offsetHours > 23 || offsetMinutes > 59) return 'the zone offset is not ±00:00 to ±23:59';
  return undefined;
}

/**
 * Reads `text` as ms since the epoch. Throws InstantError whose message quotes the value and
 * says what is wrong with it.
 */
export function parseInstant(text: string): number {
  const match = ISO_WITH_ZONE.exec(text);
  const quoted = JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
  if (!match) throw new InstantError(`${quoted} is not ${INSTANT_RULE}`);
  const fields = match.slice(1).map((part) => (part === undefined ? 0 : Number(part)));
  const problem = problemOf(fields);
  const ms = Date.parse(text);
  if (problem !== undefined || Number.isNaN(ms)) {
    throw new InstantError(`${quoted} is not ${INSTANT_RULE}: ${problem ?? 'it names no instant'}`);
  }
  return ms;
}
