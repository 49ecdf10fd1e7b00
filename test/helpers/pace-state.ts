import { DEFAULT_PACE_PARAMS, type PaceState } from '../../src/worker/pacing/pace-maths.js';

/** The clock the pacing unit tests start from, in epoch ms. */
export const T0 = 1_700_000_000_000;

/**
 * A pacer state at level `wmax`; by default just after a decrease at T0 (the pace starts from
 * beta × the level, as the pacer sets it on a throttle).
 */
export const paceState = (
  wmax: number,
  start = DEFAULT_PACE_PARAMS.beta * wmax,
  at = T0,
  n = 1,
): PaceState => ({ n, wmax, start, at });
