import { CronExpressionParser } from 'cron-parser';
import type { SendWindow, SendWindowSpec } from '../../shared/send-window.js';
import { isIanaTimeZone } from '../../shared/time-zones.js';

/**
 * A recurring outreach run: a cron in a time zone, and the contact list (a CSV) that each
 * firing ingests as a new batch. The CSV is stored with the schedule so that a firing does not
 * depend on a file on some host.
 */
export interface ScheduleDefinition {
  name: string;
  cron: string;
  tz: string;
  /** The CSV text (at most MAX_SCHEDULE_CSV_BYTES). */
  csv: string;
  agentId?: string;
  window?: SendWindow;
  /**
   * The window as it was given (`"mon-fri 09:00-18:00"`, or the API's object), so that the
   * schedule shows it that way rather than as minutes. Absent for schedules stored before.
   */
  windowGiven?: string | GivenWindowObject;
  paused: boolean;
  createdAt: string;
}

/** The API's object form of a window, as given (its zone may be left out). */
export type GivenWindowObject = Omit<SendWindowSpec, 'timezone'> & { timezone?: string };

/** Stored contact lists are capped: they live in Redis next to the queue. */
export const MAX_SCHEDULE_CSV_BYTES = 10 * 1024 * 1024;

export const SCHEDULE_NAME_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;

export class ScheduleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleError';
  }
}

/** Firings looked at to find the shortest gap of a cron (irregular lists repeat within these). */
const FIRINGS_CHECKED = 50;

/** `3600000` → `1 h`, `120000` → `2 min`, `2000` → `2 s`. */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'min'],
    [1000, 's'],
  ];
  for (const [size, unit] of units)
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  return `${ms} ms`;
}

/**
 * Why `cron` fires too often, or undefined: each firing ingests the whole contact list, so a
 * `* * * * * *` sends every contact a message every second. The next FIRINGS_CHECKED firings
 * after `now` are computed, and the shortest gap between two must be at least `minIntervalMs`.
 */
export function cronIntervalProblem(
  cron: string,
  tz: string,
  minIntervalMs: number,
  now: number,
): string | undefined {
  const firings = CronExpressionParser.parse(cron, { tz, currentDate: new Date(now) });
  let previous = firings.next().getTime();
  let shortest = Infinity;
  for (let i = 1; i < FIRINGS_CHECKED && firings.hasNext(); i++) {
    const next = firings.next().getTime();
    shortest = Math.min(shortest, next - previous);
    previous = next;
  }
  if (shortest >= minIntervalMs) return undefined;
  return (
    `cron: "${cron}" fires ${formatInterval(shortest)} apart; the minimum interval between ` +
    `firings is ${formatInterval(minIntervalMs)} (CHATBATCH_SCHEDULE_MIN_INTERVAL)`
  );
}

/** What a definition is checked against besides its own fields. */
export interface ScheduleRules {
  /** Shortest time between two firings, in ms (CHATBATCH_SCHEDULE_MIN_INTERVAL). */
  minIntervalMs: number;
  /** Clock for the firings looked at, in ms. Default Date.now(). */
  now?: number;
}

/** Checks a definition before it is stored; throws ScheduleError naming the field. */
export function validateSchedule(
  definition: Omit<ScheduleDefinition, 'paused' | 'createdAt'>,
  rules: ScheduleRules,
): void {
  if (!SCHEDULE_NAME_PATTERN.test(definition.name)) {
    throw new ScheduleError('name: must be 1-64 characters of letters, digits, "_", "." or "-"');
  }
  if (!isIanaTimeZone(definition.tz))
    throw new ScheduleError(`tz: "${definition.tz}" is not an IANA time zone`);
  try {
    CronExpressionParser.parse(definition.cron, { tz: definition.tz });
  } catch (error) {
    throw new ScheduleError(
      `cron: "${definition.cron}" is not a cron expression (${(error as Error).message})`,
    );
  }
  const tooOften = cronIntervalProblem(
    definition.cron,
    definition.tz,
    rules.minIntervalMs,
    rules.now ?? Date.now(),
  );
  if (tooOften !== undefined) throw new ScheduleError(tooOften);
  const bytes = Buffer.byteLength(definition.csv, 'utf8');
  if (bytes > MAX_SCHEDULE_CSV_BYTES) {
    throw new ScheduleError(
      `csv: ${bytes} bytes, more than the ${MAX_SCHEDULE_CSV_BYTES} bytes a schedule may store`,
    );
  }
  if (bytes === 0) throw new ScheduleError('csv: empty');
}

/**
 * The batch a firing creates: derived from the schedule and the firing time only, so a double
 * fire (two workers, a retry) lands in the same batch and the ingest adds nothing twice.
 */
export function firingBatchId(name: string, firedAt: number): string {
  const stamp = new Date(firedAt)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
  return `${name}-${stamp}`;
}
