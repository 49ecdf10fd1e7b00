import { parseSendWindow, SendWindowError, type SendWindow } from '../shared/send-window.js';
import { CliError, EXIT } from './exit-codes.js';
import { InstantError, parseInstant as parseSharedInstant } from '../shared/instant.js';

/** An ISO-8601 time with a date, time and zone (Z or an offset), as ms since the epoch. */
export function parseInstant(flag: string, value: string): number {
  try {
    return parseSharedInstant(value);
  } catch (error) {
    if (error instanceof InstantError) throw new CliError(`${flag}: ${error.message}`, EXIT.usage);
    throw error;
  }
}

export interface ScheduleFlags {
  scheduleAt?: string;
  expireAt?: string;
  window?: string;
}

/** Reads --schedule-at, --expire-at and --window into ingest options, or a usage error. */
export function scheduleOptions(
  flags: ScheduleFlags,
  now: number,
  defaultZone = 'UTC',
): { scheduleAt?: number; expireAt?: number; window?: SendWindow } {
  const scheduleAt = flags.scheduleAt ? parseInstant('--schedule-at', flags.scheduleAt) : undefined;
  const expireAt = flags.expireAt ? parseInstant('--expire-at', flags.expireAt) : undefined;
  if (expireAt !== undefined && expireAt <= Math.max(now, scheduleAt ?? 0)) {
    throw new CliError('--expire-at: must be later than now and than --schedule-at', EXIT.usage);
  }
  let window: SendWindow | undefined;
  if (flags.window) {
    try {
      window = parseSendWindow(flags.window, defaultZone);
    } catch (error) {
      if (error instanceof SendWindowError)
        throw new CliError(`--window: ${error.message}`, EXIT.usage);
      throw error;
    }
  }
  return { scheduleAt, expireAt, window };
}
