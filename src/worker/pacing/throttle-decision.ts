/**
 * Whether a vendor 429 lowers the fleet's pace, and to what (the terms are pace-maths.ts's).
 * Pure: the pacer gathers the inputs (the shared state, the fleet's admitted rate, this
 * worker's recent attempts, the noise floor) and stores the result by compare-and-set.
 */
import type { PaceState } from '../../store/pacer-store.js';
import type { PaceParams } from './pace-maths.js';
import type { Refusals } from './reject-window.js';

/** What a worker knows when the vendor answers 429. */
export interface ThrottleInput {
  /** The shared state as just read, if any. */
  state: PaceState | undefined;
  now: number;
  /** The rate this worker applies now (Infinity when there is no limit at all). */
  currentRate: number;
  /**
   * Requests the vendor did not refuse over the last second, fleet-wide (per second: counted
   * over a whole second, however long the fleet has been sending).
   */
  admitted: number;
  /**
   * How much of that second this worker has been sending, in s (0.1–1): right after a start,
   * `admitted ÷ activeSeconds` is the fleet's rate.
   */
  activeSeconds: number;
  /**
   * This worker's attempts of the last second and its 429s; undefined when they are too few to
   * tell (a worker that just started sending).
   */
  refusals: Refusals | undefined;
  /** The share of 429s the vendor gives even at a rate it takes (learnt; 0 when unknown). */
  noiseShare: number;
  /** How long the 429's request took, in ms (widens the cooldown by one round trip). */
  requestMs: number;
}

export type ThrottleDecision =
  | { kind: 'ignore'; reason: 'cooldown' | 'noise' | 'unsure' }
  | {
      kind: 'decrease';
      /** `jump`: to β × the admitted rate (far over capacity); `cubic`: to β × the current rate. */
      mode: 'jump' | 'cubic';
      next: Omit<PaceState, 'n'>;
    };

/**
 * Whether `refusals` are more than the vendor's noise: beyond `noiseShare` by more than
 * `noiseMargin` of the attempts and two standard deviations of a binomial at that share (a
 * worker that made 50 attempts against a vendor refusing 10% at random sees 5 ± 2 refusals).
 */
export function refusalsAboveNoise(r: Refusals, noiseShare: number, p: PaceParams): boolean {
  const q = Math.min(Math.max(noiseShare, 0.01), 0.99);
  const excess = r.refused - r.attempts * noiseShare;
  return excess > Math.max(p.noiseMargin * r.attempts, 2 * Math.sqrt(r.attempts * q * (1 - q)));
}

/**
 * Whether a 429 lowers the fleet's rate, and to what.
 *
 * - Within the cooldown of the last decrease: nothing (the 429 answers the old pace).
 * - Too few attempts yet to tell, or short of saturation less than `minEvidenceSeconds` of
 *   sending (a worker that just started): nothing; one early 429 must not set the fleet's rate.
 * - A single 429, or no more than the vendor's noise (refusalsAboveNoise): nothing. A vendor that
 *   refuses a steady share whatever the rate would otherwise drive any loss-based pacer to its
 *   minimum.
 * - Otherwise the rate drops to β × a new level, as in CUBIC (without its "fast convergence",
 *   which makes room for other flows: here there are none). When a quarter of our attempts are
 *   refused (`jump`) the vendor is saturated: the level is what it admitted over the last second,
 *   its capacity, however briefly the fleet has been sending (a sliding-window vendor admits a
 *   second's worth at once). Otherwise (`cubic`, a probe just past the capacity) the level is
 *   the rate the fleet sent at, CUBIC's W_max, and at least the share not refused of the
 *   current pace.
 */
export function decideThrottle(input: ThrottleInput, p: PaceParams): ThrottleDecision {
  const { state, now, currentRate, admitted, refusals } = input;
  // A decrease stamped slightly ahead of our clock (another host's) is recent too.
  if (state && now - state.at < p.cooldownMs + input.requestMs) {
    return { kind: 'ignore', reason: 'cooldown' };
  }
  if (!refusals) return { kind: 'ignore', reason: 'unsure' };
  if (refusals.refused < p.minRefused || !refusalsAboveNoise(refusals, input.noiseShare, p)) {
    return { kind: 'ignore', reason: 'noise' };
  }
  const saturated =
    refusals.refused / refusals.attempts >= p.overloadRejectShare &&
    refusals.refused >= p.overloadMinRefused;
  if (!saturated && input.activeSeconds < p.minEvidenceSeconds) {
    return { kind: 'ignore', reason: 'unsure' };
  }
  // Saturated: the vendor's capacity. Otherwise: the rate the fleet sent at (admitted ÷ the
  // share not refused), CUBIC's W_max, which a vendor refusing at random does not erode; and no
  // lower than the share not refused of the current pace (what the vendor takes of it), so a
  // poor measurement (a fleet that just started) cannot cut deep without saturation to show.
  const share = refusals.refused / refusals.attempts;
  const sending = admitted / Math.min(1, input.activeSeconds) / (1 - share);
  const taken = Number.isFinite(currentRate) ? (1 - share) * currentRate : 0;
  const level = Math.max(
    p.minRate,
    Math.min(currentRate, saturated ? admitted : Math.max(sending, taken)),
  );
  const start = Math.max(p.minRate, Math.min(p.beta * level, currentRate));
  return {
    kind: 'decrease',
    mode: saturated ? 'jump' : 'cubic',
    next: { wmax: Math.max(level, start), start, at: now },
  };
}
