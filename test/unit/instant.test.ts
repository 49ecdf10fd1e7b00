import { describe, expect, it } from 'vitest';
import { scheduleOptions } from '../../src/cli/schedule-flags.js';
import { CliError } from '../../src/cli/exit-codes.js';
import { instantSchema } from '../../src/producer/api/schemas/schedule-options.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

/** Times that look like ISO-8601 but name no real instant: each must be refused, not shifted. */
const IMPOSSIBLE = [
  '2026-13-45T99:99:99Z',
  '2030-02-31T00:00:00Z',
  '2031-02-29T10:00:00Z',
  '2030-04-31T10:00:00+02:00',
  '2030-01-01T24:00:00Z',
  '2030-01-01T23:60:00Z',
  '2030-01-01T23:59:60Z',
  '2030-01-01T10:00:00+24:00',
  '2030-01-01T10:00:00+05:60',
  '2030-02-31',
  'tomorrow',
];

describe('scheduleAt / expireAt: one rule for the CLI and the API', () => {
  it.each(IMPOSSIBLE)('the CLI refuses --schedule-at %s with a usage error', (value) => {
    let thrown: unknown;
    try {
      scheduleOptions({ scheduleAt: value }, NOW);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).exitCode).toBe(2);
    expect((thrown as CliError).message).toMatch(/^--schedule-at: "/);
  });

  it.each(IMPOSSIBLE)('the API schema refuses %s', (value) => {
    const parsed = instantSchema.safeParse(value);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/ISO-8601/);
  });

  it.each([
    ['2030-02-28T23:59:59Z', Date.UTC(2030, 1, 28, 23, 59, 59)],
    ['2032-02-29T10:00:00+01:00', Date.UTC(2032, 1, 29, 9)],
    ['2030-12-31T23:59:59.250-05:30', Date.UTC(2031, 0, 1, 5, 29, 59, 250)],
    ['2030-06-01T12:00Z', Date.UTC(2030, 5, 1, 12)],
  ])('both read %s as the same instant', (value, ms) => {
    expect(instantSchema.parse(value)).toBe(ms);
    expect(scheduleOptions({ scheduleAt: value }, NOW).scheduleAt).toBe(ms);
  });
});
