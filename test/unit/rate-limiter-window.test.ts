import { describe, expect, it } from 'vitest';
import { rateLimiterWindow } from '../../src/worker/rate-limiter-window.js';

describe('rateLimiterWindow', () => {
  it.each([1, 7, 20, 50, 200, 1000, 12345])('keeps %i starts per second on average', (rate) => {
    const { max, duration } = rateLimiterWindow(rate);
    const achieved = (max * 1000) / duration;
    expect(achieved / rate).toBeGreaterThan(0.97);
    expect(achieved / rate).toBeLessThanOrEqual(1.03);
  });

  it('bounds any one-second span to about 1.05x the limit', () => {
    const { max, duration } = rateLimiterWindow(200);
    // A one-second span overlaps at most ceil(1000 / duration) + 1 windows.
    const worst = (Math.ceil(1000 / duration) + 1) * max;
    expect(worst / 200).toBeLessThanOrEqual(1.05);
  });
});
