import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACE_PARAMS as P,
  admittedRate,
  ceilingOf,
  cubicCoefficient,
  episodeEnd,
  lastSecondRate,
  paceAt,
  probeRate,
} from '../../src/worker/pacing/pace-maths.js';
import { T0, paceState as state } from '../helpers/pace-state.js';

const after = (seconds: number) => T0 + seconds * 1000;

describe('the probe (CUBIC over time since the decrease)', () => {
  it('starts at the decreased rate, is back at the level after recoverySeconds, then climbs', () => {
    const s = state(120);
    expect(probeRate(s, T0, P)).toBeCloseTo(108, 6);
    expect(probeRate(s, after(P.recoverySeconds), P)).toBeCloseTo(120, 6);
    // Concave below the level: most of the way back in the first half.
    expect(probeRate(s, after(P.recoverySeconds / 2), P)).toBeGreaterThan(118);
    // Convex just above it: slow at first, faster later.
    const past1 = probeRate(s, after(P.recoverySeconds + 1), P) - 120;
    const past2 = probeRate(s, after(P.recoverySeconds + 2), P) - 120;
    expect(past1).toBeGreaterThan(0);
    expect(past1).toBeLessThan(2);
    expect(past2).toBeGreaterThan(3 * past1);
  });

  it('above the level grows at most maxGrowthShare of the level per second', () => {
    const s = state(120);
    for (let t = P.recoverySeconds; t < 30; t += 0.5) {
      const growth = (probeRate(s, after(t + 0.5), P) - probeRate(s, after(t), P)) / 0.5;
      expect(growth).toBeLessThanOrEqual(P.maxGrowthShare * 120 + 1e-9);
    }
    // … and it does reach that pace: from 60 to 100 (the capacity rise) within 30 s.
    const low = state(60);
    expect(probeRate(low, after(25), P)).toBeGreaterThanOrEqual(100);
  });

  it('takes the same time to recover at 200 or 5000 starts/s once C scales with the level', () => {
    for (const wmax of [200, 5000]) {
      expect(probeRate(state(wmax), after(P.recoverySeconds), P) / wmax).toBeCloseTo(1, 5);
      expect(probeRate(state(wmax), after(1), P) / wmax).toBeCloseTo(
        probeRate(state(200), after(1), P) / 200,
        6,
      );
    }
  });

  it('never lets C nor the growth fall too low, so a tiny level still recovers in seconds', () => {
    expect(cubicCoefficient(2, P)).toBe(P.minCubic);
    expect(probeRate(state(2), after(6), P)).toBeGreaterThan(8);
  });

  it('uses the time since the decrease only: the same state gives every worker the same rate', () => {
    const s = state(80);
    expect(paceAt(s, after(1.7), 400, 70, P)).toEqual(paceAt({ ...s }, after(1.7), 400, 70, P));
  });
});

describe('paceAt', () => {
  it('is inactive without a state: the ceiling, or Infinity without one', () => {
    expect(paceAt(undefined, T0, 400, 0, P)).toEqual({ active: false, rate: 400 });
    expect(paceAt(undefined, T0, ceilingOf(0), 0, P)).toEqual({ active: false, rate: Infinity });
  });

  it('caps the probe at the ceiling and at capFactor × max(level, admitted)', () => {
    const s = state(120);
    // 20 s after the decrease the uncapped probe is far above the level.
    const probe = probeRate(s, after(20), P);
    expect(probe).toBeGreaterThan(260);
    expect(probe).toBeLessThan(400);
    expect(paceAt(s, after(20), 150, 100, P).rate).toBe(150);
    expect(paceAt(s, after(20), Infinity, 100, P).rate).toBe(240);
    // The fleet takes more than the level: the cap follows what it uses.
    expect(paceAt(s, after(20), Infinity, 200, P).rate).toBe(probe);
  });

  it('never goes below minRate', () => {
    expect(paceAt(state(1, 0.5), T0, 400, 0, P).rate).toBe(P.minRate);
  });

  it('ends the episode quietMs after the probe reached its cap, back to the ceiling', () => {
    const s = state(120);
    const end = episodeEnd(s, 400, P);
    // The cap is 2 × 120 = 240; the probe passes it a little before the episode ends.
    const capAt = end - P.quietMs;
    expect(probeRate(s, capAt, P)).toBeCloseTo(240, 6);
    expect(paceAt(s, capAt - 100, 400, 0, P).rate).toBeLessThan(240);
    expect(paceAt(s, end - 1, 400, 0, P)).toEqual({ active: true, rate: 240 });
    expect(paceAt(s, end, 400, 0, P)).toEqual({ active: false, rate: 400 });
  });

  it('a ceiling below the level: capped at once, the episode lasts quietMs', () => {
    const s = state(120);
    expect(paceAt(s, T0, 50, 0, P).rate).toBe(50);
    expect(episodeEnd(s, 50, P)).toBe(T0 + P.quietMs);
  });
});

describe('lastSecondRate', () => {
  it('counts the slots of the last second and the part of the oldest one still inside it', () => {
    const at = 1_700_000_000_000;
    const slots = [5, 10, 10, 10, 40];
    expect(lastSecondRate(slots, at, 250)).toBe(75);
    expect(lastSecondRate(slots, at + 125, 250)).toBe(55);
    expect(lastSecondRate(slots, at + 249, 250)).toBeCloseTo(35.16, 6);
    // Missing slots count as none.
    expect(lastSecondRate([3], at, 250)).toBe(3);
  });

  it('admittedRate scales completions up by the share of admitted attempts that succeeded', () => {
    expect(admittedRate(63, 0.7)).toBeCloseTo(90, 6);
    expect(admittedRate(100, 1)).toBe(100);
    // A worker that saw no success at all does not blow the estimate up.
    expect(admittedRate(10, 0)).toBe(100);
  });
});
