import { describe, expect, it } from 'vitest';
import {
  BACKOFF_MAX_MS,
  backoffDelayMs,
  createRetryPolicy,
} from '../../src/worker/retry-policy.js';

const fixed = (r: number) => () => r;

describe('backoffDelayMs', () => {
  it('doubles per attempt, with equal jitter between half and all of it', () => {
    expect(backoffDelayMs({ attempt: 1, baseMs: 1000, random: fixed(0) })).toBe(500);
    expect(backoffDelayMs({ attempt: 1, baseMs: 1000, random: fixed(0.5) })).toBe(750);
    expect(backoffDelayMs({ attempt: 1, baseMs: 1000, random: fixed(0.999) })).toBe(1000);
    expect(backoffDelayMs({ attempt: 2, baseMs: 1000, random: fixed(0) })).toBe(1000);
    expect(backoffDelayMs({ attempt: 3, baseMs: 1000, random: fixed(0) })).toBe(2000);
    expect(backoffDelayMs({ attempt: 4, baseMs: 1000, random: fixed(1) })).toBe(8000);
  });

  it('caps the exponential part at maxMs (default 5 minutes)', () => {
    expect(backoffDelayMs({ attempt: 30, baseMs: 1000, random: fixed(1) })).toBe(BACKOFF_MAX_MS);
    expect(backoffDelayMs({ attempt: 5000, baseMs: 1000, random: fixed(0) })).toBe(150_000);
    expect(backoffDelayMs({ attempt: 5, baseMs: 1000, random: fixed(1), maxMs: 3000 })).toBe(3000);
  });

  it('never waits less than Retry-After, which may pass the cap up to an hour', () => {
    const base = { baseMs: 1000, random: fixed(0) };
    expect(backoffDelayMs({ ...base, attempt: 1, retryAfterMs: 5000 })).toBe(5000);
    expect(backoffDelayMs({ ...base, attempt: 4, retryAfterMs: 100 })).toBe(4000);
    expect(backoffDelayMs({ ...base, attempt: 1, retryAfterMs: 0 })).toBe(500);
    expect(backoffDelayMs({ ...base, attempt: 1, retryAfterMs: 600_000, maxMs: 60_000 })).toBe(
      600_000,
    );
    expect(backoffDelayMs({ ...base, attempt: 1, retryAfterMs: 10 * 3_600_000 })).toBe(3_600_000);
  });

  it('treats attempt < 1 as the first and keeps to whole ms', () => {
    expect(backoffDelayMs({ attempt: 0, baseMs: 1000, random: fixed(0) })).toBe(500);
    expect(backoffDelayMs({ attempt: 1, baseMs: 3, random: fixed(0.3) })).toBe(2);
  });

  it('spreads delays over [e/2, e] for a real random source', () => {
    for (let i = 0; i < 1000; i += 1) {
      const d = backoffDelayMs({ attempt: 3, baseMs: 100, random: Math.random });
      expect(d).toBeGreaterThanOrEqual(200);
      expect(d).toBeLessThanOrEqual(400);
    }
  });
});

describe('createRetryPolicy', () => {
  class Retryable extends Error {
    constructor(
      readonly attempt: number,
      readonly retryAfterMs: number | undefined,
    ) {
      super('retry');
    }
  }
  const policy = createRetryPolicy({
    baseMs: 1000,
    random: () => 0,
    backoffType: 'chatbatch',
    isRetryable: (error): error is Retryable => error instanceof Retryable,
  });

  it('waits after a 429 by the turn attempt, never less than Retry-After', () => {
    expect(policy.rateLimitedDelayMs(1, undefined)).toBe(500);
    expect(policy.rateLimitedDelayMs(3, undefined)).toBe(2000);
    expect(policy.rateLimitedDelayMs(1, 7000)).toBe(7000);
  });

  it("backs off a transient failure by the turn's own attempt, not BullMQ's counter", () => {
    expect(policy.backoffStrategy(9, 'chatbatch', new Retryable(2, undefined))).toBe(1000);
    expect(policy.backoffStrategy(1, 'chatbatch', new Retryable(1, 3000))).toBe(3000);
    // A job that failed for another reason (a Redis hiccup) uses BullMQ's count.
    expect(policy.backoffStrategy(3, 'chatbatch', new Error('x'))).toBe(2000);
    expect(policy.backoffStrategy(3, 'other', new Retryable(1, undefined))).toBe(0);
  });
});
