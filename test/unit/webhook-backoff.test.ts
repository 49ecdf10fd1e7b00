import { describe, expect, it } from 'vitest';
import {
  EARLY_CAP_MS,
  LATE_CAP_MS,
  attemptsBudget,
  isExhausted,
  nominalDelayMs,
  retryDelayMs,
} from '../../src/webhooks/backoff.js';

const HOUR = 3_600_000;
const MAX_AGE = 72 * HOUR;
const at = (r: number) => () => r;

describe('the webhook retry schedule', () => {
  it('doubles from the base: 5 s, 10 s, 20 s … with the default base', () => {
    expect([1, 2, 3, 4, 5].map((n) => nominalDelayMs(n, 5000, 0))).toEqual([
      5000, 10_000, 20_000, 40_000, 80_000,
    ]);
  });

  it('waits between half and all of the nominal delay (equal jitter)', () => {
    const input = { failures: 3, baseMs: 1000, ageMs: 0, maxAgeMs: MAX_AGE };
    expect(retryDelayMs({ ...input, random: at(0) })).toBe(2000);
    expect(retryDelayMs({ ...input, random: at(0.5) })).toBe(3000);
    expect(retryDelayMs({ ...input, random: at(0.999999) })).toBeLessThanOrEqual(4000);
    for (let i = 0; i < 200; i++) {
      const delay = retryDelayMs({ ...input, random: Math.random });
      expect(delay).toBeGreaterThanOrEqual(2000);
      expect(delay).toBeLessThanOrEqual(4000);
    }
  });

  it('never waits longer than 5 minutes during the first hour, whatever the attempt', () => {
    for (let failures = 1; failures <= 60; failures++) {
      for (const ageMs of [0, 10 * 60_000, HOUR - 1]) {
        const delay = retryDelayMs({
          failures,
          baseMs: 5000,
          ageMs,
          maxAgeMs: MAX_AGE,
          random: at(1),
        });
        expect(delay).toBeLessThanOrEqual(EARLY_CAP_MS);
      }
    }
    expect(nominalDelayMs(40, 5000, HOUR - 1)).toBe(EARLY_CAP_MS);
  });

  it('then backs off to at most an hour', () => {
    expect(nominalDelayMs(40, 5000, HOUR)).toBe(LATE_CAP_MS);
    expect(nominalDelayMs(1, 5000, 2 * HOUR)).toBe(5000);
  });

  it('never schedules an attempt past the max age, and stops there', () => {
    const delay = retryDelayMs({
      failures: 30,
      baseMs: 5000,
      ageMs: MAX_AGE - 1000,
      maxAgeMs: MAX_AGE,
      random: at(1),
    });
    expect(delay).toBe(1000);
    expect(isExhausted(MAX_AGE - 1, MAX_AGE)).toBe(false);
    expect(isExhausted(MAX_AGE, MAX_AGE)).toBe(true);
  });

  it('gives BullMQ enough attempts to reach the max age even with the shortest waits', () => {
    const budget = attemptsBudget(5000, MAX_AGE);
    let elapsed = 0;
    let attempts = 1;
    while (elapsed < MAX_AGE) {
      elapsed += retryDelayMs({
        failures: attempts,
        baseMs: 5000,
        ageMs: elapsed,
        maxAgeMs: MAX_AGE,
        random: at(0),
      });
      attempts++;
    }
    expect(budget).toBeGreaterThanOrEqual(attempts);
    // And not absurdly many: ~1 hour of 2.5–5 min gaps, then 30–60 min gaps for 71 hours.
    expect(budget).toBeLessThan(250);
    expect(attemptsBudget(50, 3000)).toBeGreaterThan(5);
  });
});
