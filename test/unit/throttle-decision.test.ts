import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PACE_PARAMS as P,
  paceAt,
  type PaceState,
} from '../../src/worker/pacing/pace-maths.js';
import type { Refusals } from '../../src/worker/pacing/reject-window.js';
import { decideThrottle, refusalsAboveNoise } from '../../src/worker/pacing/throttle-decision.js';
import { T0, paceState as state } from '../helpers/pace-state.js';

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
