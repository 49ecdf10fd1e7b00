import { describe, expect, it } from 'vitest';
import {
  ScheduleError,
  validateSchedule,
} from '../../src/producer/schedules/schedule-definition.js';
import { loadConfig } from '../../src/shared/config.js';

const HOUR = 3_600_000;
const NOW = Date.parse('2026-03-02T08:00:00Z');
const base = { name: 'followups', tz: 'Europe/Berlin', csv: 'input\nhi\n' };

function problem(cron: string, minIntervalMs = HOUR): string | undefined {
  try {
    validateSchedule({ ...base, cron }, { minIntervalMs, now: NOW });
    return undefined;
  } catch (error) {
    expect(error).toBeInstanceOf(ScheduleError);
    return (error as Error).message;
  }
}

describe('schedules: a minimum interval between firings', () => {
  it.each([
    ['* * * * * *', '1 s'],
    ['*/2 * * * * *', '2 s'],
    ['* * * * *', '1 min'],
    ['*/30 * * * *', '30 min'],
    ['0,1 10 * * *', '1 min'],
  ])('refuses %s, which fires every %s', (cron, every) => {
    expect(problem(cron)).toBe(
      `cron: "${cron}" fires ${every} apart; the minimum interval between firings is 1 h ` +
        '(CHATBATCH_SCHEDULE_MIN_INTERVAL)',
    );
  });

  it.each(['0 * * * *', '0 10 * * 1-5', '0 0 1 * *', '30 9,17 * * *'])('accepts %s', (cron) => {
    expect(problem(cron)).toBeUndefined();
  });

  it('follows CHATBATCH_SCHEDULE_MIN_INTERVAL (seconds, or with a unit)', () => {
    expect(loadConfig({}).scheduleMinIntervalMs).toBe(HOUR);
    expect(loadConfig({ CHATBATCH_SCHEDULE_MIN_INTERVAL: '1' }).scheduleMinIntervalMs).toBe(1000);
    expect(loadConfig({ CHATBATCH_SCHEDULE_MIN_INTERVAL: '15m' }).scheduleMinIntervalMs).toBe(
      15 * 60_000,
    );
    expect(() => loadConfig({ CHATBATCH_SCHEDULE_MIN_INTERVAL: 'often' })).toThrow(
      /CHATBATCH_SCHEDULE_MIN_INTERVAL/,
    );
    expect(problem('*/2 * * * * *', 1000)).toBeUndefined();
    expect(problem('* * * * * *', 2000)).toMatch(/minimum interval between firings is 2 s/);
  });
});
