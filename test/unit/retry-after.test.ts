import { describe, expect, it } from 'vitest';
import { parseRetryAfter, RETRY_AFTER_MAX_MS } from '../../src/vendor/retry-after.js';

const NOW = Date.parse('1994-11-06T08:49:00.000Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('0', NOW)).toBe(0);
    expect(parseRetryAfter('5', NOW)).toBe(5000);
    expect(parseRetryAfter(' 120 ', NOW)).toBe(120_000);
    expect(parseRetryAfter('1.5', NOW)).toBe(1500);
  });

  it('reads the three HTTP-date forms as a delay from now', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sunday, 06-Nov-94 08:49:37 GMT', NOW)).toBe(37_000);
    expect(parseRetryAfter('Sun Nov  6 08:49:37 1994', NOW)).toBe(37_000);
  });

  it('turns negatives and past dates into 0', () => {
    expect(parseRetryAfter('-3', NOW)).toBe(0);
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:00:00 GMT', NOW)).toBe(0);
  });

  it('caps at one hour', () => {
    expect(parseRetryAfter('86400', NOW)).toBe(RETRY_AFTER_MAX_MS);
    expect(parseRetryAfter('Fri, 31 Dec 2100 23:59:59 GMT', NOW)).toBe(60 * 60 * 1000);
  });

  it.each([undefined, '', 'soon', '1e3', '5s', 'Sun, 99 Foo 1994 08:49:37 GMT', 'tomorrow 1'])(
    'ignores %j',
    (value) => {
      expect(parseRetryAfter(value, NOW)).toBeUndefined();
    },
  );
});
