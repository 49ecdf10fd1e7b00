/** Buckets of the window; shares cover up to the last `BUCKETS × BUCKET_MS`. */
const BUCKETS = 4;
const BUCKET_MS = 250;
/** A window with fewer attempts than this tells nothing … */
const MIN_ATTEMPTS = 10;
/** … unless this worker has been sending for this many buckets of it (a slow worker). */
const MIN_SPAN_BUCKETS = 3;

/** How each attempt ended, as far as pacing cares. */
export type AttemptResult = 'success' | 'refused' | 'other';

/**
 * This worker's recent attempts, counted in a few fixed buckets of 250 ms (a few integer
 * increments per attempt on the hot path, no timers): the share the vendor refused (429), and
 * the share of the admitted ones that succeeded.
 */
export function createRejectWindow(now: () => number) {
  const slots = Array.from({ length: BUCKETS }, () => ({
    bucket: -1,
    attempts: 0,
    refused: 0,
    succeeded: 0,
  }));

  function totals(windowMs: number) {
    const current = Math.floor(now() / BUCKET_MS);
    const buckets = Math.min(BUCKETS, Math.max(1, Math.round(windowMs / BUCKET_MS)));
    const t = { attempts: 0, refused: 0, succeeded: 0, oldest: current };
    for (const slot of slots) {
      if (slot.bucket > current - buckets && slot.bucket <= current && slot.attempts > 0) {
        t.attempts += slot.attempts;
        t.refused += slot.refused;
        t.succeeded += slot.succeeded;
        t.oldest = Math.min(t.oldest, slot.bucket);
      }
    }
    return { ...t, span: current - t.oldest + 1 };
  }

  return {
    note(result: AttemptResult): void {
      const bucket = Math.floor(now() / BUCKET_MS);
      const slot = slots[bucket % BUCKETS]!;
      if (slot.bucket !== bucket) {
        slot.bucket = bucket;
        slot.attempts = 0;
        slot.refused = 0;
        slot.succeeded = 0;
      }
      slot.attempts++;
      if (result === 'refused') slot.refused++;
      else if (result === 'success') slot.succeeded++;
    },
    /**
     * Share of the attempts of the last `windowMs` (≤ 1 s) answered 429; undefined when they
     * are too few to tell (fewer than 10, made within the last half second).
     */
    refusedShare(windowMs = 1000): number | undefined {
      const t = totals(windowMs);
      const enough = t.attempts >= MIN_ATTEMPTS || (t.attempts > 0 && t.span >= MIN_SPAN_BUCKETS);
      return enough ? t.refused / t.attempts : undefined;
    },
    /** Share of the last second's admitted (not 429) attempts that succeeded; 1 when too few. */
    successShare(): number {
      const t = totals(1000);
      const admitted = t.attempts - t.refused;
      return admitted >= MIN_ATTEMPTS ? t.succeeded / admitted : 1;
    },
  };
}

export type RejectWindow = ReturnType<typeof createRejectWindow>;
