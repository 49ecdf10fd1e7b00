import type { Refusals } from './reject-window.js';

/** Each older observation (a 250 ms bucket) counts this much less: a memory of about 10 s. */
const DECAY = 0.975;
/** Fewer (decayed) attempts than this tell nothing yet: the floor stays 0. */
const MIN_ATTEMPTS = 20;

/**
 * The share of 429s a vendor gives even at a rate it takes (some vendors refuse a few requests
 * at random): without it, any loss-based pacer slides to its minimum against such a vendor.
 *
 * Observed while the fleet runs below the level of the last decrease, a cooldown after it:
 * there, 429s caused by our rate should have stopped, so the ones that still come are the
 * vendor's noise. An observation where a quarter or more were refused is a vendor still far
 * over capacity (its capacity fell further), not noise, and is left out.
 */
export function createNoiseFloor(options: {
  /** A share at or above this means "far over capacity" (pace-maths). */
  overloadRejectShare: number;
}) {
  // Counts, not an average of shares: many small observations make one good estimate.
  let refused = 0;
  let attempts = 0;
  return {
    /** The share to treat as noise (0 until there is enough to tell). */
    get share(): number {
      return attempts >= MIN_ATTEMPTS ? refused / attempts : 0;
    },
    /** Whether this worker has seen enough to tell its own share. */
    get known(): boolean {
      return attempts >= MIN_ATTEMPTS;
    },
    /** This worker's attempts of a stretch spent below the level. */
    observe(r: Refusals): void {
      if (r.attempts === 0) return;
      if (r.refused >= 3 && r.refused / r.attempts >= options.overloadRejectShare) return;
      refused = refused * DECAY + r.refused;
      attempts = attempts * DECAY + r.attempts;
    },
  };
}
