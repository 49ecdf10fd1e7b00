/** Buckets kept: counts cover up to the last `BUCKETS × BUCKET_MS` (2 s). */
const BUCKETS = 8;
export const BUCKET_MS = 250;
/** A window with fewer attempts than this tells nothing … */
const MIN_ATTEMPTS = 10;
/** … unless this worker has been sending for this many buckets of it (a slow worker). */
const MIN_SPAN_BUCKETS = 3;

/** Attempts of a window and how many the vendor refused (429). */
export interface Refusals {
  attempts: number;
  refused: number;
}

/** How each attempt ended, as far as pacing cares. */
export type AttemptResult = 'success' | 'refused' | 'other';

/**
 * This worker's recent attempts, counted in a few fixed buckets of 250 ms (a few integer
 * increments per attempt on the hot path, no timers): the share the vendor refused (429), and
 * the share of the admitted ones that succeeded.
 */
export function createRejectWindow(now: () => number) {
  /** When this worker began sending after a quiet second (ms), and its last attempt. */
  let sendingSince = -Infinity;
  let lastAttempt = -Infinity;
  const slots = Array.from({ length: BUCKETS }, () => ({
    bucket: -1,
    attempts: 0,
    refused: 0,
    succeeded: 0,
  }));

  /** Counts of the buckets within the last `windowMs` that began at or after `since` (ms). */
  function totals(windowMs: number, since = -Infinity) {
    const current = Math.floor(now() / BUCKET_MS);
    const buckets = Math.min(BUCKETS, Math.max(1, Math.round(windowMs / BUCKET_MS)));
    const first = Math.max(current - buckets + 1, Math.ceil(since / BUCKET_MS));
    const t = { attempts: 0, refused: 0, succeeded: 0, oldest: current };
    for (const slot of slots) {
      if (slot.bucket >= first && slot.bucket <= current && slot.attempts > 0) {
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
      const at = now();
      if (at - lastAttempt > 1000) sendingSince = at;
      lastAttempt = at;
      const bucket = Math.floor(at / BUCKET_MS);
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
     * Attempts of the last `windowMs` (≤ 2 s; only buckets begun at or after `since`) and how
     * many were answered 429; undefined when they are too few to tell (fewer than 10, all
     * within the last half second).
     */
    refusals(windowMs = 1000, since = -Infinity): Refusals | undefined {
      const t = totals(windowMs, since);
      const enough = t.attempts >= MIN_ATTEMPTS || (t.attempts > 0 && t.span >= MIN_SPAN_BUCKETS);
      return enough ? { attempts: t.attempts, refused: t.refused } : undefined;
    },
    /**
     * How much of the last second this worker has been sending, in s (0.1–1): right after a
     * start (or a quiet spell) the fleet's counts of the last second cover only that much.
     */
    activeSeconds(): number {
      return Math.min(1, Math.max(0.1, (now() - sendingSince) / 1000));
    },
    /** The last complete bucket (250 ms): its number and its attempts. */
    lastBucket(): { bucket: number } & Refusals {
      const bucket = Math.floor(now() / BUCKET_MS) - 1;
      const slot = slots[((bucket % BUCKETS) + BUCKETS) % BUCKETS]!;
      return slot.bucket === bucket
        ? { bucket, attempts: slot.attempts, refused: slot.refused }
        : { bucket, attempts: 0, refused: 0 };
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
