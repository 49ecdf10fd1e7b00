import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../src/shared/logger.js';
import { createMetrics } from '../../src/shared/metrics.js';
import type { PacerStore, PaceReading, PaceState } from '../../src/store/pacer-store.js';
import { createPacer } from '../../src/worker/pacing/pacer.js';
import { DEFAULT_PACE_PARAMS as P } from '../../src/worker/pacing/pace-maths.js';

const T0 = 1_700_000_000_000;

/**
 * The pacer controller over a store that behaves like the Lua one (compare-and-set on `n`),
 * a hand-driven clock and timer: what a worker does, and when it talks to Redis.
 */
function harness(options: { rateLimit?: number; completedPerSecond?: number } = {}) {
  let now = T0;
  let stored: PaceState | undefined;
  let sharedNoise: number | undefined;
  const calls = { read: 0, decrease: 0 };
  let timer: { ms: number; fn: () => void } | undefined;
  const store: PacerStore = {
    async read(): Promise<PaceReading> {
      calls.read++;
      const c = options.completedPerSecond ?? 0;
      return {
        state: stored,
        token: stored ? String(stored.n) : '',
        // c per second, evenly: a quarter in each slot, the current one partly filled.
        completed: [c * ((now % 250) / 1000), c / 4, c / 4, c / 4, c / 4],
        fleetNoise: sharedNoise,
      };
    },
    async shareNoise(share) {
      sharedNoise = share;
    },
    async decrease(token, next) {
      calls.decrease++;
      if ((stored ? String(stored.n) : '') !== token) return { applied: false, state: stored };
      stored = { n: (stored?.n ?? 0) + 1, ...next };
      return { applied: true, state: stored };
    },
  };
  const applied: number[] = [];
  const metrics = createMetrics(new Registry(), { defaultMetrics: false });
  /** A worker over the shared store (the first one is `pacer`; the timer is the last one's). */
  const newWorker = () =>
    createPacer({
      store,
      rateLimit: options.rateLimit ?? 400,
      apply: (rate) => applied.push(rate),
      onRefused: () => refusals.push(now),
      metrics,
      logger: createLogger('silent'),
      now: () => now,
      every: (ms, fn) => {
        timer = { ms, fn };
        return () => (timer = undefined);
      },
    });
  const refusals: number[] = [];
  const pacer = newWorker();
  const flush = () => new Promise((r) => setImmediate(r));
  return {
    pacer,
    refusals,
    newWorker,
    get sharedNoise() {
      return sharedNoise;
    },
    calls,
    applied,
    metrics,
    get stored() {
      return stored;
    },
    set stored(s: PaceState | undefined) {
      stored = s;
    },
    get timer() {
      return timer;
    },
    advance(ms: number) {
      now += ms;
    },
    async tick() {
      timer?.fn();
      await flush();
    },
    refuse(worker: ReturnType<typeof createPacer>, n: number) {
      for (let i = 0; i < n; i++) worker.noteAttempt('refused');
    },
    gauge: async () => (await metrics.pacerRateLimit.get()).values[0]?.value,
  };
}

describe('the pacer', () => {
  it('does nothing at all until the first 429: no timer, no Redis call, the ceiling applies', async () => {
    const h = harness();
    for (let i = 0; i < 1000; i++) h.pacer.noteAttempt('success');
    expect(h.calls).toEqual({ read: 0, decrease: 0 });
    expect(h.timer).toBeUndefined();
    expect(h.pacer).toMatchObject({ active: false, rate: 400 });
    expect(await h.gauge()).toBe(400);
  });

  it('tells of each 429 as it is noted, and of nothing else, without asking Redis', () => {
    const h = harness();
    h.pacer.noteAttempt('success');
    h.pacer.noteAttempt('other');
    expect(h.refusals).toEqual([]);
    h.pacer.noteAttempt('refused');
    h.pacer.noteAttempt('refused');
    expect(h.refusals).toEqual([T0, T0]);
    expect(h.calls).toEqual({ read: 0, decrease: 0 });
  });

  it('a 429 far over capacity lowers the shared pace, applies it and polls while it lasts', async () => {
    const h = harness({ completedPerSecond: 120 });
    for (let i = 0; i < 40; i++) h.pacer.noteAttempt(i % 2 ? 'refused' : 'success');
    await h.pacer.throttled(40);
    expect(h.stored).toMatchObject({ n: 1, wmax: 120, start: 108, at: T0 });
    expect(h.pacer).toMatchObject({ active: true, rate: 108 });
    expect(h.applied).toEqual([108]);
    expect(await h.gauge()).toBe(108);
    expect((await h.metrics.pacerThrottles.get()).values[0]?.value).toBe(1);
    expect(h.timer?.ms).toBe(250);
    // The probe climbs with time alone; every poll re-reads the state and applies the rate.
    h.advance(P.recoverySeconds * 1000);
    await h.tick();
    expect(h.pacer.rate).toBeCloseTo(120, 6);
    expect(h.calls.read).toBe(2);
  });

  it('concurrent 429s make one decrease; later ones within the cooldown ask Redis nothing', async () => {
    const h = harness({ completedPerSecond: 120 });
    h.refuse(h.pacer, 20);
    await Promise.all(Array.from({ length: 50 }, () => h.pacer.throttled(40)));
    expect(h.calls).toEqual({ read: 1, decrease: 1 });
    h.advance(500);
    await h.pacer.throttled(40);
    expect(h.calls).toEqual({ read: 1, decrease: 1 });
  });

  it('adopts another worker’s decrease when it loses the compare-and-set', async () => {
    const h = harness({ completedPerSecond: 120 });
    h.refuse(h.pacer, 20);
    // Another worker decreases between this one's read (made at once) and its write.
    const other: PaceState = { n: 1, wmax: 110, start: 99, at: T0 };
    const pending = h.pacer.throttled(40);
    h.stored = other;
    await pending;
    expect(h.calls).toEqual({ read: 1, decrease: 1 });
    expect(h.stored).toBe(other);
    expect(h.pacer.rate).toBe(99);
    expect((await h.metrics.pacerThrottles.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('a worker that starts during an episode inherits its rate', async () => {
    const h = harness();
    h.stored = { n: 3, wmax: 60, start: 54, at: T0 - 200 };
    await h.pacer.start();
    expect(h.pacer.active).toBe(true);
    expect(h.pacer.rate).toBeGreaterThan(54);
    expect(h.pacer.rate).toBeLessThan(60);
    expect(h.timer).toBeDefined();
  });

  it('when the episode ends it applies the ceiling again and stops polling', async () => {
    const h = harness({ completedPerSecond: 120 });
    h.refuse(h.pacer, 20);
    await h.pacer.throttled(40);
    h.advance(120_000);
    await h.tick();
    expect(h.pacer).toMatchObject({ active: false, rate: 400 });
    expect(h.applied.at(-1)).toBe(400);
    expect(h.timer).toBeUndefined();
    expect(await h.gauge()).toBe(400);
  });

  it('learns the vendor’s noise: 429s at the same share after the slow-down change nothing', async () => {
    const h = harness({ completedPerSecond: 90, rateLimit: 100 });
    // 10% refused whatever the rate, spread over time (a decrease needs most of a second).
    const attempts = (n: number) => {
      for (let i = 0; i < n; i++) {
        h.advance(10);
        h.pacer.noteAttempt(i % 10 === 0 ? 'refused' : 'success');
      }
    };
    attempts(50);
    attempts(50);
    await h.pacer.throttled(40);
    expect(h.stored?.n).toBe(1);
    // A cooldown later, still 10% refused at the lowered rate: that is the floor.
    h.advance(P.cooldownMs + 100);
    attempts(50);
    await h.tick();
    h.advance(300);
    attempts(50);
    await h.pacer.throttled(40);
    expect(h.stored?.n).toBe(1);
  });

  it('a worker started later (a restart) takes the noise the fleet learnt instead of reading it as a limit', async () => {
    const h = harness({ completedPerSecond: 90, rateLimit: 100 });
    const attempts = (worker: ReturnType<typeof h.newWorker>, n: number) => {
      for (let i = 0; i < n; i++) {
        h.advance(10);
        worker.noteAttempt(i % 10 === 0 ? 'refused' : 'success');
      }
    };
    attempts(h.pacer, 100);
    await h.pacer.throttled(40);
    expect(h.stored?.n).toBe(1);
    h.advance(P.cooldownMs + 100);
    attempts(h.pacer, 50);
    await h.tick();
    expect(h.sharedNoise).toBeCloseTo(0.1, 1);
    // A fresh worker refused at the same 10%: with the fleet's floor, not a decrease.
    const fresh = h.newWorker();
    await fresh.start();
    attempts(fresh, 100);
    await fresh.throttled(40);
    expect(h.stored?.n).toBe(1);
    // The same fresh worker refused at 40% is over capacity: it decreases.
    h.advance(1000);
    for (let i = 0; i < 100; i++) {
      h.advance(10);
      fresh.noteAttempt(i % 5 < 2 ? 'refused' : 'success');
    }
    await fresh.throttled(40);
    expect(h.stored?.n).toBe(2);
  });

  it('a Redis error never escapes: the pace stays as it was', async () => {
    const h = harness();
    const failing = createPacer({
      store: {
        read: () => Promise.reject(new Error('Connection is closed.')),
        decrease: () => Promise.reject(new Error('unreachable')),
        shareNoise: () => Promise.reject(new Error('unreachable')),
      },
      rateLimit: 0,
      apply: () => undefined,
      metrics: h.metrics,
      logger: createLogger('silent'),
      now: () => T0,
    });
    await failing.start();
    await expect(failing.throttled(40)).resolves.toBeUndefined();
    expect(failing).toMatchObject({ active: false, rate: Infinity });
    expect(await h.gauge()).toBe(0);
  });
});
