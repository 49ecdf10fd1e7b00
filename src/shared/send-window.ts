import { isIanaTimeZone } from './time-zones.js';

/**
 * Send windows: "never message anyone outside 9:00–18:00 of their own time, Monday to Friday".
 * Pure time maths over IANA zones (Intl), with the clock passed in, so it is tested without
 * timers. A window is [start, end) of local wall time on the given weekdays; windows that
 * cross midnight are rejected (give two windows' worth of days instead: a night window is
 * rarely what an outreach team means, and silently splitting it hides mistakes).
 */
export interface SendWindow {
  /** ISO weekdays, 1 = Monday … 7 = Sunday. */
  days: number[];
  /** Minutes after local midnight when sending may start (inclusive). */
  startMinute: number;
  /** Minutes after local midnight when sending must stop (exclusive). */
  endMinute: number;
  /** Zone for recipients without their own `timezone`. */
  timezone: string;
}

const DAY_NAMES = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export class SendWindowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SendWindowError';
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      weekday: 'short',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

interface LocalTime {
  year: number;
  month: number;
  day: number;
  weekday: number;
  minuteOfDay: number;
  /** The wall-clock time read as if it were UTC, in ms: comparable across instants. */
  wallMs: number;
}

export function localTime(instant: number, timeZone: string): LocalTime {
  const parts: Record<string, string> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) parts[part.type] = part.value;
  const year = Number(parts.year);
  const month = Number(parts.month);
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  return {
    year,
    month,
    day,
    weekday: DAY_NAMES.indexOf(parts.weekday!.toLowerCase().slice(0, 3)) + 1,
    minuteOfDay: hour * 60 + minute,
    wallMs: Date.UTC(year, month - 1, day, hour, minute, second),
  };
}

/**
 * The first instant whose local wall time in `timeZone` is at or after the given wall time.
 * Usually that instant shows exactly that wall time (the earlier one when the clock falls
 * back); in a spring-forward gap it is the moment the clock jumps (02:30 → 03:00).
 */
export function firstInstantAtLocal(wallMs: number, timeZone: string): number {
  const HOUR = 3_600_000;
  const offsetAt = (t: number) => localTime(t, timeZone).wallMs - Math.floor(t / 1000) * 1000;
  const candidates = [wallMs - offsetAt(wallMs - 14 * HOUR), wallMs - offsetAt(wallMs + 14 * HOUR)];
  const exact = candidates.filter((t) => localTime(t, timeZone).wallMs === wallMs);
  if (exact.length > 0) return Math.min(...exact);
  // A gap: binary search for the jump between the two candidates, to the second.
  let lo = Math.min(...candidates);
  let hi = Math.max(...candidates);
  while (hi - lo > 1000) {
    const mid = Math.floor((lo + hi) / 2000) * 1000;
    if (localTime(mid, timeZone).wallMs >= wallMs) hi = mid;
    else lo = mid;
  }
  return hi;
}

export function isInsideWindow(instant: number, window: SendWindow, timeZone: string): boolean {
  const local = localTime(instant, timeZone);
  return (
    window.days.includes(local.weekday) &&
    local.minuteOfDay >= window.startMinute &&
    local.minuteOfDay < window.endMinute
  );
}

/** `now` when the window is open, else the next instant it opens (within 8 days). */
export function nextWindowOpening(now: number, window: SendWindow, timeZone: string): number {
  if (isInsideWindow(now, window, timeZone)) return now;
  const today = localTime(now, timeZone);
  for (let offset = 0; offset <= 8; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = ((date.getUTCDay() + 6) % 7) + 1;
    if (!window.days.includes(weekday)) continue;
    const opening = firstInstantAtLocal(date.getTime() + window.startMinute * 60_000, timeZone);
    if (opening > now && isInsideWindow(opening, window, timeZone)) return opening;
  }
  throw new SendWindowError('the send window never opens');
}

function parseClock(text: string, what: string): number {
  const match = /^([01]?\d|2[0-4]):([0-5]\d)$/.exec(text.trim());
  if (!match) throw new SendWindowError(`${what} "${text}" is not a time like 09:00`);
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (minutes > 24 * 60) throw new SendWindowError(`${what} "${text}" is after 24:00`);
  return minutes;
}

function parseDays(text: string): number[] {
  const days = new Set<number>();
  for (const item of text.toLowerCase().split(',')) {
    const [from, to] = item.trim().split('-');
    const a = DAY_NAMES.indexOf(from?.slice(0, 3) ?? '') + 1;
    const b = to === undefined ? a : DAY_NAMES.indexOf(to.slice(0, 3)) + 1;
    if (a === 0 || b === 0)
      throw new SendWindowError(`days "${item.trim()}": use mon,tue,… or ranges like mon-fri`);
    for (let d = a; ; d = (d % 7) + 1) {
      days.add(d);
      if (d === b) break;
    }
  }
  return [...days].sort();
}

/** The parts of a window as an API body or a config gives them. */
export interface SendWindowSpec {
  days: string;
  start: string;
  end: string;
  timezone: string;
}

export function sendWindowFromSpec(spec: SendWindowSpec): SendWindow {
  const window: SendWindow = {
    days: parseDays(spec.days),
    startMinute: parseClock(spec.start, 'start'),
    endMinute: parseClock(spec.end, 'end'),
    timezone: spec.timezone,
  };
  if (window.endMinute <= window.startMinute) {
    throw new SendWindowError(
      `end ${spec.end} must be after start ${spec.start}: windows across midnight are not supported`,
    );
  }
  if (!isIanaTimeZone(spec.timezone))
    throw new SendWindowError(`"${spec.timezone}" is not an IANA time zone`);
  return window;
}

/**
 * The CLI's text form of a window, e.g. `mon-fri 09:00-18:00 Europe/Berlin`: what a schedule
 * shows when it was stored without the text it was given.
 */
export function formatSendWindow(window: SendWindow): string {
  const days = [...window.days].sort((a, b) => a - b);
  const groups: string[] = [];
  for (let i = 0; i < days.length;) {
    let j = i;
    while (j + 1 < days.length && days[j + 1] === days[j]! + 1) j++;
    const first = DAY_NAMES[days[i]! - 1]!;
    const last = DAY_NAMES[days[j]! - 1]!;
    groups.push(
      j - i >= 2
        ? `${first}-${last}`
        : days
            .slice(i, j + 1)
            .map((d) => DAY_NAMES[d - 1])
            .join(','),
    );
    i = j + 1;
  }
  const clock = (minutes: number) =>
    `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
  return `${groups.join(',')} ${clock(window.startMinute)}-${clock(window.endMinute)} ${window.timezone}`;
}

/** Parses the CLI form `mon-fri 09:00-18:00 Europe/Berlin` (zone optional: `defaultZone`). */
export function parseSendWindow(text: string, defaultZone = 'UTC'): SendWindow {
  const match = /^\s*(\S+)\s+(\d{1,2}:\d{2})-(\d{1,2}:\d{2})(?:\s+(\S+))?\s*$/.exec(text);
  if (!match) {
    throw new SendWindowError(
      `window "${text}": expected "DAYS HH:MM-HH:MM [ZONE]", e.g. "mon-fri 09:00-18:00 Europe/Berlin"`,
    );
  }
  return sendWindowFromSpec({
    days: match[1]!,
    start: match[2]!,
    end: match[3]!,
    timezone: match[4] ?? defaultZone,
  });
}
