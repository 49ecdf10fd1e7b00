import { describe, expect, it } from 'vitest';
import { createGradientLimit } from '../../src/worker/pacing/gradient-limit.js';

/** Feeds `windows` windows of 500 ms, each with `perWindow` samples of `rttMs` at `inFlight`. */
function feed(
  g: ReturnType<typeof createGradientLimit>,
  clock: { now: number },
  o: { windows: number; rttMs: number; inFlight?: number; perWindow?: number },
) {
  for (let w = 0; w < o.windows; w++) {
    for (let i = 0; i < (o.perWindow ?? 20); i++) {
      g.sample(o.rttMs, o.inFlight ?? g.limit);
      clock.now += 500 / (o.perWindow ?? 20);
    }
  }
}

describe('Gradient2 concurrency limit', () => {
  it('stays at the maximum while the latency is steady', () => {
    const clock = { now: 0 };
    const g = createGradientLimit({ min: 5, max: 50 }, () => clock.now);
    feed(g, clock, { windows: 60, rttMs: 40 });
    expect(g.limit).toBe(50);
  });

  it('shrinks when the latency climbs (the vendor queueing), never below the floor', () => {
    const clock = { now: 0 };
    const g = createGradientLimit({ min: 5, max: 50 }, () => clock.now);
    feed(g, clock, { windows: 20, rttMs: 40 });
    // Netflix's smoothing (0.2): about a tenth less per window at first.
    feed(g, clock, { windows: 8, rttMs: 400 });
    expect(g.limit).toBeLessThan(35);
    // Latency that keeps climbing with the queue keeps it going down, to the floor at most.
    let rtt = 400;
    for (let i = 0; i < 20; i++) feed(g, clock, { windows: 1, rttMs: (rtt *= 1.25) });
    expect(g.limit).toBeLessThan(15);
    expect(g.limit).toBeGreaterThanOrEqual(5);
    feed(g, clock, { windows: 20, rttMs: rtt * 10 });
    expect(g.limit).toBeGreaterThanOrEqual(5);
  });

  it('a vendor slower for good gets the concurrency back as the long-run RTT follows', () => {
    const clock = { now: 0 };
    const g = createGradientLimit({ min: 5, max: 50 }, () => clock.now);
    feed(g, clock, { windows: 20, rttMs: 40 });
    feed(g, clock, { windows: 10, rttMs: 400 });
    expect(g.limit).toBeLessThan(50);
    feed(g, clock, { windows: 200, rttMs: 400 });
    expect(g.limit).toBe(50);
  });

  it('grows back when the latency returns to its level', () => {
    const clock = { now: 0 };
    const g = createGradientLimit({ min: 5, max: 50 }, () => clock.now);
    feed(g, clock, { windows: 20, rttMs: 40 });
    feed(g, clock, { windows: 10, rttMs: 400 });
    const low = g.limit;
    feed(g, clock, { windows: 120, rttMs: 40 });
    expect(g.limit).toBeGreaterThan(low);
    expect(g.limit).toBe(50);
  });

  it('ignores a few ms of extra latency (the worker’s own load, not the vendor’s queue)', () => {
    const clock = { now: 0 };
    const g = createGradientLimit({ min: 5, max: 50 }, () => clock.now);
    feed(g, clock, { windows: 20, rttMs: 2 });
    feed(g, clock, { windows: 20, rttMs: 40 });
    expect(g.limit).toBe(50);
  });

  it('changes nothing while the worker is not busy (too little in flight to tell)', () => {
    const clock = { now: 0 };
    const g = createGradientLimit({ min: 5, max: 50 }, () => clock.now);
    feed(g, clock, { windows: 20, rttMs: 40, inFlight: 3 });
    feed(g, clock, { windows: 20, rttMs: 800, inFlight: 3 });
    expect(g.limit).toBe(50);
  });
});
