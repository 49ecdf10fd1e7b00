import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACE_PARAMS as P,
  admittedRate,
  ceilingOf,
  cubicCoefficient,
  decideThrottle,
  episodeEnd,
  lastSecondRate,
  paceAt,
  probeRate,
  refusalsAboveNoise,
  type PaceState,
} from '../../src/worker/pacing/pace-maths.js';
import type { Refusals } from '../../src/worker/pacing/reject-window.js';

const T0 = 1_700_000_000_000;
const state = (wmax: number, start = P.beta * wmax, at = T0, n = 1): PaceState => ({
  n,
  wmax,
  start,
  at,
});
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

describe('refusalsAboveNoise', () => {
  it('needs refusals beyond the floor by noiseMargin and by two standard deviations', () => {
    // No known noise: 2 of 100 is within what a 1% floor gives; 4 of 100 is not.
    expect(refusalsAboveNoise({ attempts: 100, refused: 2 }, 0, P)).toBe(false);
    expect(refusalsAboveNoise({ attempts: 100, refused: 4 }, 0, P)).toBe(true);
    // A vendor refusing 10% at random: 5 ± 2 of 50 is noise, 12 of 50 is not.
    expect(refusalsAboveNoise({ attempts: 50, refused: 7 }, 0.1, P)).toBe(false);
    expect(refusalsAboveNoise({ attempts: 50, refused: 12 }, 0.1, P)).toBe(true);
  });
});

describe('decideThrottle', () => {
  const base = {
    state: undefined,
    now: T0,
    currentRate: 400,
    admitted: 120,
    activeSeconds: 1,
    refusals: { attempts: 100, refused: 40 } as Refusals | undefined,
    noiseShare: 0,
    requestMs: 40,
  };

  it('a saturated vendor (a quarter refused): the level is what it admitted over the last second', () => {
    expect(decideThrottle(base, P)).toEqual({
      kind: 'decrease',
      mode: 'jump',
      next: { wmax: 120, start: 108, at: T0 },
    });
    // … even right after the start: a sliding-window vendor admits a second's worth at once.
    expect(decideThrottle({ ...base, activeSeconds: 0.3 }, P)).toMatchObject({
      next: { wmax: 120 },
    });
  });

  it('a probe just past the capacity: the level is the rate the fleet sent at (CUBIC’s W_max)', () => {
    // 117 admitted with 4 of 60 refused: the fleet sent 125.
    const probe = {
      ...base,
      currentRate: 130,
      admitted: 117,
      refusals: { attempts: 60, refused: 4 },
    };
    const d = decideThrottle(probe, P);
    expect(d).toMatchObject({ kind: 'decrease', mode: 'cubic', next: { at: T0 } });
    if (d.kind !== 'decrease') return;
    expect(d.next.wmax).toBeCloseTo(117 / (1 - 4 / 60), 6);
    expect(d.next.start).toBeCloseTo((0.9 * 117) / (1 - 4 / 60), 6);
    // Never above the current pace.
    expect(decideThrottle({ ...probe, currentRate: 110 }, P)).toMatchObject({
      next: { wmax: 110, start: 99 },
    });
  });

  it('short of saturation, a poor measurement cannot cut below what the vendor takes of the pace', () => {
    // A fleet that just started: 37 measured, but only 12% of 150/s refused.
    const early = {
      ...base,
      currentRate: 150,
      admitted: 37,
      refusals: { attempts: 50, refused: 6 },
    };
    expect(decideThrottle(early, P)).toMatchObject({ mode: 'cubic', next: { wmax: 132 } });
  });

  it('refusals within the noise change nothing', () => {
    const quiet = { ...base, currentRate: 130, admitted: 118 };
    expect(decideThrottle({ ...quiet, refusals: { attempts: 60, refused: 1 } }, P)).toEqual({
      kind: 'ignore',
      reason: 'noise',
    });
    // A vendor refusing 10% whatever the rate: 10% is its noise …
    const floor = { ...quiet, noiseShare: 0.1 };
    expect(decideThrottle({ ...floor, refusals: { attempts: 60, refused: 7 } }, P).kind).toBe(
      'ignore',
    );
    // … but clearly more is not.
    expect(decideThrottle({ ...floor, refusals: { attempts: 60, refused: 20 } }, P).kind).toBe(
      'decrease',
    );
  });

  it('too little evidence (a worker that just started) sets nothing, unless the vendor is saturated', () => {
    const early = { ...base, refusals: undefined };
    expect(decideThrottle(early, P)).toEqual({ kind: 'ignore', reason: 'unsure' });
    const fewRefused = { ...base, activeSeconds: 0.4, refusals: { attempts: 40, refused: 2 } };
    expect(decideThrottle(fewRefused, P)).toEqual({ kind: 'ignore', reason: 'unsure' });
    expect(decideThrottle({ ...fewRefused, activeSeconds: 0.8 }, P).kind).toBe('decrease');
    // One of four refused is a quarter, but too few refusals to call the vendor saturated.
    const one = { ...base, activeSeconds: 0.4, refusals: { attempts: 4, refused: 1 } };
    expect(decideThrottle(one, P).kind).toBe('ignore');
  });

  it('one decrease per cooldown: a 429 soon after the last decrease changes nothing', () => {
    const s = state(120, 108, T0);
    const soon = { ...base, state: s, now: T0 + P.cooldownMs + 39 };
    expect(decideThrottle(soon, P)).toEqual({ kind: 'ignore', reason: 'cooldown' });
    expect(decideThrottle({ ...soon, now: T0 + P.cooldownMs + 40 }, P).kind).toBe('decrease');
    // A decrease stamped a little ahead of this worker's clock (another host) is recent too.
    expect(decideThrottle({ ...base, state: state(120, 108, T0 + 300) }, P)).toEqual({
      kind: 'ignore',
      reason: 'cooldown',
    });
  });

  it('nothing admitted at all: down to minRate, never to zero', () => {
    const d = decideThrottle({ ...base, admitted: 0 }, P);
    expect(d).toMatchObject({ mode: 'jump', next: { wmax: P.minRate, start: P.minRate } });
  });

  it('without any limit (Infinity) it takes the measured rate', () => {
    const d = decideThrottle({ ...base, currentRate: Infinity, admitted: 700 }, P);
    expect(d).toMatchObject({ next: { wmax: 700, start: 630 } });
    // Short of saturation too: the rate the fleet sent at, never Infinity.
    const probe = {
      ...base,
      currentRate: Infinity,
      admitted: 90,
      refusals: { attempts: 50, refused: 5 },
    };
    expect(decideThrottle(probe, P)).toMatchObject({
      mode: 'cubic',
      next: { wmax: 100, start: 90 },
    });
  });

  it('never raises the rate', () => {
    const d = decideThrottle({ ...base, currentRate: 10, admitted: 900 }, P);
    expect(d).toMatchObject({ next: { wmax: 10, start: 9 } });
  });

  it('against a vendor refusing 10% at any rate, a learnt noise floor holds the rate', () => {
    let s: PaceState | undefined;
    let now = T0;
    let noise = 0;
    let rate = 150;
    for (let i = 0; i < 30; i++) {
      const d = decideThrottle(
        {
          state: s,
          now,
          currentRate: rate,
          admitted: 0.9 * rate,
          activeSeconds: 1,
          refusals: { attempts: 50, refused: 5 + (i % 3) },
          noiseShare: noise,
          requestMs: 40,
        },
        P,
      );
      if (d.kind === 'decrease') {
        s = { n: (s?.n ?? 0) + 1, ...d.next };
        noise = 0.1; // what the noise floor learns a cooldown later, at the lowered rate
      }
      now += P.cooldownMs + 100;
      rate = paceAt(s, now, 150, 0.9 * rate, P).rate;
    }
    expect(s?.n).toBe(1);
    expect(rate).toBe(150);
  });
});
