import { PACER_SLOT_MS } from '../../shared/keys.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import type { PacerStore, PaceReading, PaceState } from '../../store/pacer-store.js';
import {
  DEFAULT_PACE_PARAMS,
  admittedRate,
  ceilingOf,
  lastSecondRate,
  paceAt,
  type Pace,
  type PaceParams,
} from './pace-maths.js';
import { BUCKET_MS, createRejectWindow, type AttemptResult } from './reject-window.js';
import { createNoiseFloor } from './noise-floor.js';
import { decideThrottle } from './throttle-decision.js';

/**
 * One worker's side of the fleet's adaptive pace. Until the vendor first answers 429 it does
 * nothing at all (no timer, no Redis call). A 429 may lower the shared rate (pace-maths
 * decideThrottle, stored by compare-and-set); while an episode lasts the worker re-reads the
 * state every `pollMs` and applies the rate every worker computes from it.
 */
export interface Pacer {
  /** The rate this worker applies: starts/s across the fleet (Infinity: no limit at all). */
  readonly rate: number;
  /** Whether an episode is on (otherwise the fixed CHATBATCH_RATE_LIMIT applies). */
  readonly active: boolean;
  /** Reads the shared state once: a worker that starts during an episode inherits its rate. */
  start(): Promise<void>;
  /** Counts one attempt's result for the shares of refusals and successes. Hot path. */
  noteAttempt(result: AttemptResult): void;
  /** The vendor answered 429 to a request that took `requestMs`. Never throws. */
  throttled(requestMs: number): Promise<void>;
  stop(): void;
}

export interface PacerDeps {
  store: PacerStore;
  /** CHATBATCH_RATE_LIMIT, the ceiling; 0 = none. */
  rateLimit: number;
  /** Makes this worker start at most `rate` turns per second, fleet-wide (Infinity: no limit). */
  apply(rate: number): void;
  /** Told of every 429 as it is noted, before anything is decided. Default none. */
  onRefused?: () => void;
  metrics: Pick<Metrics, 'pacerRateLimit' | 'pacerThrottles'>;
  logger: Logger;
  now: () => number;
  /** Calls `fn` every `ms` until the returned function is called. Default: an unref'd setInterval. */
  every?: (ms: number, fn: () => void) => () => void;
  /** Overrides of the pacing constants (DEFAULT_PACE_PARAMS). */
  params?: Partial<PaceParams>;
  /** How often a worker re-reads the state during an episode, in ms. Default 250. */
  pollMs?: number;
  /** How long Redis keeps the state after the last decrease, in ms. Default 10 minutes. */
  stateTtlMs?: number;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_STATE_TTL_MS = 10 * 60_000;
/** Redis trouble is logged at most once per this many ms. */
const WARN_EVERY_MS = 10_000;

const defaultEvery = (ms: number, fn: () => void) => {
  const timer = setInterval(fn, ms);
  timer.unref();
  return () => clearInterval(timer);
};

/** Fewer attempts than this in a worker's last second: decide on its last two. */
const SPARSE_ATTEMPTS = 30;

/** The noise floor learns while the pace is below this share of the last level … */
const BELOW_LEVEL = 0.98;
/**
 * … and for this long after a decrease's cooldown in any case: at a low level the probe is back
 * at it within a fraction of a second (CUBIC's minimum growth), too short a stretch to learn
 * from, and a vendor refusing at random would then drive the pace down decrease by decrease.
 */
const NOISE_LEARN_MS = 2_000;

/**
 * A worker shares its learnt noise share when it moved by this much, or this long after it last
 * did (it stays shared for the state's TTL).
 */
const NOISE_SHARE_STEP = 0.005;
const NOISE_SHARE_EVERY_MS = 5_000;

/** A rate for logs and the gauge: one decimal. */
const shown = (rate: number) => (Number.isFinite(rate) ? Math.round(rate * 10) / 10 : 0);

export function createPacer(deps: PacerDeps): Pacer {
  const { store, metrics, logger, now } = deps;
  const params: PaceParams = { ...DEFAULT_PACE_PARAMS, ...deps.params };
  const ceiling = ceilingOf(deps.rateLimit);
  const pollMs = deps.pollMs ?? DEFAULT_POLL_MS;
  const stateTtlMs = deps.stateTtlMs ?? DEFAULT_STATE_TTL_MS;
  const every = deps.every ?? defaultEvery;
  const rejects = createRejectWindow(now);

  let state: PaceState | undefined;
  /** The fleet's admitted rate at the last read (caps the probe). */
  let admitted = 0;
  const noise = createNoiseFloor(params);
  /** The noise share the fleet learnt (PaceReading.fleetNoise), until this worker knows its own. */
  let fleetNoise = 0;
  let lastShared: { share: number; at: number } | undefined;
  let pace: Pace = { active: false, rate: ceiling };
  let stopPolling: (() => void) | undefined;
  let polling = false;
  let decreasing: Promise<void> | undefined;
  let stopped = false;
  let lastWarn = -Infinity;

  metrics.pacerRateLimit.set(deps.rateLimit);

  function warn(error: unknown, message: string): void {
    if (now() - lastWarn < WARN_EVERY_MS) return;
    lastWarn = now();
    logger.warn({ err: (error as Error).message }, message);
  }

  /** The fleet's admitted requests over the last second (see admittedRate). */
  const admittedFrom = (reading: PaceReading, at: number) =>
    admittedRate(lastSecondRate(reading.completed, at, PACER_SLOT_MS), rejects.successShare());

  /** The last bucket the noise floor saw. */
  let noiseObservedBucket = -1;

  /** Feeds the noise floor while the fleet runs below the last level (see noise-floor.ts). */
  function observeNoise(at: number): void {
    if (!state || !pace.active || at - state.at < params.cooldownMs) return;
    const learning = at - state.at < params.cooldownMs + NOISE_LEARN_MS;
    if (!learning && pace.rate >= BELOW_LEVEL * state.wmax) return;
    const last = rejects.lastBucket();
    if (last.bucket <= noiseObservedBucket) return;
    noiseObservedBucket = last.bucket;
    // Only a bucket wholly after the cooldown.
    if (last.bucket * BUCKET_MS < state.at + params.cooldownMs) return;
    noise.observe(last);
  }

  /** The noise share to decide with: this worker's own once it can tell, else the fleet's. */
  const noiseShare = () => (noise.known ? noise.share : fleetNoise);

  /** Shares this worker's learnt noise share when it is new or moved (see shareNoise). */
  function shareNoise(at: number): void {
    if (!noise.known) return;
    const share = noise.share;
    if (
      lastShared &&
      Math.abs(share - lastShared.share) < NOISE_SHARE_STEP &&
      at - lastShared.at < NOISE_SHARE_EVERY_MS
    ) {
      return;
    }
    lastShared = { share, at };
    store
      .shareNoise(share, stateTtlMs)
      .catch((error: unknown) => warn(error, 'pacing: could not share the noise floor'));
  }

  /** Takes what a reading says of the state and of the fleet's noise. */
  function learn(reading: PaceReading, at: number): void {
    state = reading.state;
    admitted = admittedFrom(reading, at);
    if (reading.fleetNoise !== undefined) fleetNoise = reading.fleetNoise;
  }

  /**
   * This worker's attempts since the last decrease: its last second, or its last two when the
   * second holds too few to tell a share (a worker sending slowly).
   */
  function recentRefusals(last: PaceState | undefined) {
    const since = last?.at ?? -Infinity;
    const second = rejects.refusals(1000, since);
    if (second && second.attempts >= SPARSE_ATTEMPTS) return second;
    return rejects.refusals(2000, since) ?? second;
  }

  /** Recomputes the pace (from a new reading, if given) and applies it. */
  function update(reading?: PaceReading): void {
    const at = now();
    if (reading) learn(reading, at);
    observeNoise(at);
    shareNoise(at);
    const next = paceAt(state, at, ceiling, admitted, params);
    if (pace.active && !next.active) {
      logger.info(
        { rateLimit: deps.rateLimit },
        'pacing: no 429 for a while, back to the fixed limit',
      );
    }
    if (next.rate !== pace.rate) deps.apply(next.rate);
    pace = next;
    metrics.pacerRateLimit.set(next.active ? shown(next.rate) : deps.rateLimit);
    if (next.active && !stopPolling && !stopped) stopPolling = every(pollMs, poll);
    if (!next.active && stopPolling) {
      stopPolling();
      stopPolling = undefined;
    }
  }

  function poll(): void {
    if (polling) return;
    polling = true;
    store
      .read(now())
      .then(
        (reading) => update(reading),
        (error: unknown) => {
          // Keep pacing by the last state (its rate is a function of time alone).
          warn(error, 'pacing: reading the shared state failed; going on with the last one');
          update();
        },
      )
      .finally(() => {
        polling = false;
      });
  }

  async function decrease(requestMs: number): Promise<void> {
    try {
      const at = now();
      // What the noise floor has not seen yet comes first (429s may come faster than polls).
      observeNoise(at);
      const reading = await store.read(at);
      if (reading.fleetNoise !== undefined) fleetNoise = reading.fleetNoise;
      const fleetAdmitted = admittedFrom(reading, at);
      const current = paceAt(reading.state, at, ceiling, fleetAdmitted, params).rate;
      const refusals = recentRefusals(reading.state);
      const decision = decideThrottle(
        {
          state: reading.state,
          now: at,
          currentRate: current,
          admitted: fleetAdmitted,
          activeSeconds: rejects.activeSeconds(),
          refusals,
          noiseShare: noiseShare(),
          requestMs,
        },
        params,
      );
      if (decision.kind === 'ignore') return update(reading);
      const result = await store.decrease(reading.token, decision.next, stateTtlMs);
      if (result.applied) {
        metrics.pacerThrottles.inc();
        logger.info(
          {
            from: shown(current),
            to: shown(decision.next.start),
            level: shown(decision.next.wmax),
            admitted: shown(fleetAdmitted),
            refused: refusals ? `${refusals.refused}/${refusals.attempts}` : null,
            noise: Math.round(noiseShare() * 1000) / 1000,
            mode: decision.mode,
          },
          'vendor throttled (429): fleet pace lowered',
        );
      }
      update({ ...reading, state: result.state });
    } catch (error) {
      warn(error, 'pacing: could not lower the shared pace after a 429');
    }
  }

  return {
    get rate() {
      return pace.rate;
    },
    get active() {
      return pace.active;
    },
    async start() {
      try {
        update(await store.read(now()));
      } catch (error) {
        warn(error, 'pacing: could not read the shared state at start');
      }
    },
    noteAttempt(result) {
      if (result === 'refused') deps.onRefused?.();
      rejects.note(result);
    },
    throttled(requestMs) {
      // Within the cooldown of a decrease this worker knows of, or too few attempts yet to
      // tell a share of refusals: nothing to decide, nothing to ask Redis.
      if (state && now() - state.at < params.cooldownMs + requestMs) return Promise.resolve();
      if (!recentRefusals(state)) return Promise.resolve();
      // Concurrent 429s of this worker share one attempt to decrease.
      decreasing ??= decrease(requestMs).finally(() => {
        decreasing = undefined;
      });
      return decreasing;
    },
    stop() {
      stopped = true;
      stopPolling?.();
      stopPolling = undefined;
    },
  };
}
