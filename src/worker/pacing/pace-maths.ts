/**
 * The fleet's pace as pure functions of a shared state and the time: every worker computes the
 * same rate from the same state, without writing anything (see README "Adaptive pacing").
 *
 * Terminology (rates in request starts per second across the whole fleet, times in epoch ms):
 * - **decrease**: what a vendor 429 may cause, at most once per cooldown for the whole fleet;
 * - **level** (`wmax`, CUBIC's W_max): the rate the vendor was found to take at the decrease;
 * - **probe**: after a decrease the rate climbs back along `wmax + C·(t − K)³` (AWS SDK adaptive
 *   mode, after TCP CUBIC): fast at first, flat near the level, then faster again above it;
 * - **ceiling**: `CHATBATCH_RATE_LIMIT` (0 = none), never exceeded;
 * - **episode**: from a decrease until the probe has sat at its cap for `quietMs`; then the
 *   state is ignored and the workers are back on the fixed limit.
 */
import type { PaceState } from '../../store/pacer-store.js';

export type { PaceState };

export interface PaceParams {
  /** Multiplicative decrease: the rate after a decrease is β × the level. Default 0.9. */
  beta: number;
  /**
   * Time the probe takes to climb from β × level back to the level (CUBIC's K), in s, once
   * the level is high enough for C to scale with it (see cubicCoefficient). Default 3.
   */
  recoverySeconds: number;
  /**
   * Smallest cubic coefficient C, in starts/s per s³, so that a small level (a few starts/s)
   * still recovers in seconds. Default 0.4 (the AWS SDK's constant).
   */
  minCubic: number;
  /**
   * Above the level the probe grows at most this share of the level per second (then linearly),
   * because a 429 reaches the fleet about a second after the rate passed the vendor's capacity
   * (the vendor's one-second window, then the round trip): faster growth means a bigger
   * overshoot. Default 0.1.
   */
  maxGrowthShare: number;
  /** … but never less than this, in starts/s per second, so small levels still grow. Default 4. */
  minGrowth: number;
  /** Lowest rate a decrease sets, in starts/s. Default 1. */
  minRate: number;
  /** The probe never exceeds this × the level, nor this × the fleet's admitted rate. Default 2. */
  capFactor: number;
  /** The episode ends this long after the probe reached its cap, in ms. Default 15000. */
  quietMs: number;
  /**
   * A 429 within this long (plus the 429's own request duration) after the last decrease
   * changes nothing: it answers a request sent before every worker applied the decrease. So 50
   * concurrent 429s make one decrease. In ms. Default 1000.
   */
  cooldownMs: number;
  /**
   * Share of a worker's recent attempts answered 429 that means "far over capacity" (with at
   * least `overloadMinRefused` of them). Default 0.25.
   */
  overloadRejectShare: number;
  /** Fewest 429s in a worker's last second that can lower the rate at all. Default 2. */
  minRefused: number;
  /** Fewest 429s that can show "far over capacity". Default 5. */
  overloadMinRefused: number;
  /**
   * Short of "far over capacity", a decrease needs this much of the last second sending (in s):
   * a few 429s right after a start say little about the rate. Default 0.75.
   */
  minEvidenceSeconds: number;
  /**
   * 429s beyond the noise floor (the share the vendor refuses even at a rate it takes) count only
   * above this share of the attempts, and above two standard deviations of the floor. Default
   * 0.02.
   */
  noiseMargin: number;
}

export const DEFAULT_PACE_PARAMS: Readonly<PaceParams> = Object.freeze({
  beta: 0.9,
  recoverySeconds: 3,
  minCubic: 0.4,
  maxGrowthShare: 0.1,
  minGrowth: 4,
  minRate: 1,
  capFactor: 2,
  quietMs: 15_000,
  cooldownMs: 1000,
  overloadRejectShare: 0.25,
  minRefused: 2,
  overloadMinRefused: 5,
  minEvidenceSeconds: 0.75,
  noiseMargin: 0.02,
});

/** `CHATBATCH_RATE_LIMIT`, with 0 (none) as Infinity. */
export function ceilingOf(rateLimit: number): number {
  return rateLimit > 0 ? rateLimit : Infinity;
}

/**
 * The cubic coefficient for a level: proportional to it, so one probe cycle takes about
 * `recoverySeconds` whether the vendor takes 5 or 500 starts/s, but never below `minCubic`.
 */
export function cubicCoefficient(wmax: number, p: PaceParams): number {
  return Math.max((wmax * (1 - p.beta)) / p.recoverySeconds ** 3, p.minCubic);
}

/** The curve of a state: C, K, and where the cubic's slope reaches the growth limit. */
function curveOf(state: PaceState, p: PaceParams) {
  const c = cubicCoefficient(state.wmax, p);
  const k = Math.cbrt(Math.max(0, state.wmax - state.start) / c);
  const growth = Math.max(p.maxGrowthShare * state.wmax, p.minGrowth);
  // The cubic's slope 3·C·x² equals `growth` at x = xLinear seconds past the level.
  const xLinear = Math.sqrt(growth / (3 * c));
  return { c, k, growth, xLinear, rateLinear: state.wmax + c * xLinear ** 3 };
}

/**
 * The uncapped probe at `now`: `wmax + C·(t − K)³` (K such that it starts at `start`), then
 * linear once its slope reaches the growth limit.
 */
export function probeRate(state: PaceState, now: number, p: PaceParams): number {
  const { c, k, growth, xLinear, rateLinear } = curveOf(state, p);
  const x = Math.max(0, now - state.at) / 1000 - k;
  return x <= xLinear ? state.wmax + c * x ** 3 : rateLinear + growth * (x - xLinear);
}

/** Seconds after the decrease at which the probe reaches `rate`. */
function secondsToReach(state: PaceState, rate: number, p: PaceParams): number {
  const { c, k, growth, xLinear, rateLinear } = curveOf(state, p);
  const x =
    rate <= rateLinear
      ? Math.cbrt((rate - state.wmax) / c)
      : xLinear + (rate - rateLinear) / growth;
  return Math.max(0, k + x);
}

/** When the episode of this state ends (epoch ms): the probe sat at its cap for `quietMs`. */
export function episodeEnd(state: PaceState, ceiling: number, p: PaceParams): number {
  const cap = Math.min(ceiling, p.capFactor * state.wmax);
  return state.at + secondsToReach(state, cap, p) * 1000 + p.quietMs;
}

/**
 * A fleet-wide count over the last second, from counts per slot of `slotMs` (the current slot
 * first, then older ones: 1000 / slotMs + 1 of them).
 */
export function lastSecondRate(slots: readonly number[], now: number, slotMs: number): number {
  const perSecond = Math.round(1000 / slotMs);
  // The window (now − 1 s, now] holds the current slot so far and the whole slots before it,
  // and, assuming an even spread, the part of the oldest one still inside it.
  const elapsed = (((now % slotMs) + slotMs) % slotMs) / slotMs;
  let sum = 0;
  for (let i = 0; i < perSecond; i++) sum += slots[i] ?? 0;
  return sum + (slots[perSecond] ?? 0) * (1 - elapsed);
}

export interface Pace {
  /** Whether the state is in its episode; when false, use the fixed limit. */
  active: boolean;
  /** Starts/s to allow now (the ceiling when inactive, Infinity when there is none). */
  rate: number;
}

/**
 * The rate every worker applies at `now`: the probe, at least `minRate`, at most the ceiling
 * and `capFactor` × the larger of the level and the fleet's admitted rate (the AWS SDK's
 * "2 × measured": the probe does not run far ahead of what the fleet uses).
 */
export function paceAt(
  state: PaceState | undefined,
  now: number,
  ceiling: number,
  admitted: number,
  p: PaceParams,
): Pace {
  if (!state || now >= episodeEnd(state, ceiling, p)) return { active: false, rate: ceiling };
  const cap = Math.min(ceiling, p.capFactor * Math.max(state.wmax, admitted));
  return { active: true, rate: Math.min(cap, Math.max(p.minRate, probeRate(state, now, p))) };
}

/**
 * The fleet's admitted rate from its completed turns: completions are what the store counts
 * cheaply, but the vendor also admitted the attempts that then failed for another reason (5xx,
 * a timeout), so scale by the share of this worker's admitted attempts that succeeded.
 */
export function admittedRate(completedPerSecond: number, successShareOfAdmitted: number): number {
  return completedPerSecond / Math.min(1, Math.max(0.1, successShareOfAdmitted));
}
