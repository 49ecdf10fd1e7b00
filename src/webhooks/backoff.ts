/**
 * The retry schedule of a webhook event, as pure functions (tested without timers).
 *
 * After the n-th failed attempt the next one waits a delay drawn uniformly from `[e/2, e)`
 * ("equal jitter": receivers that failed together do not retry together, and no retry comes
 * almost at once), where `e = min(base·2^(n−1), cap)`. The cap is 5 minutes while the event is
 * less than an hour into its delivery, so a receiver that comes back within the first hour
 * gets the event within 5 minutes; after that it is 1 hour, so a receiver down for days is
 * not hammered. No attempt starts later than `maxAge` after the delivery began: the last wait
 * is cut short to end there, and at `maxAge` the event is marked failed.
 */

/** The cap of a wait during the first hour of a delivery, in ms. */
export const EARLY_CAP_MS = 5 * 60_000;
/** The cap after the first hour, in ms. */
export const LATE_CAP_MS = 60 * 60_000;
/** How long the early cap holds, in ms. */
export const EARLY_PHASE_MS = 60 * 60_000;

export interface RetryInput {
  /** Failed attempts so far (1 after the first failure). */
  failures: number;
  /** Base delay in ms (CHATBATCH_WEBHOOK_BACKOFF_MS, default 5000). */
  baseMs: number;
  /** How long the delivery has been going on, in ms. */
  ageMs: number;
  /** CHATBATCH_WEBHOOK_MAX_AGE in ms. */
  maxAgeMs: number;
  /** Uniform source in [0, 1). */
  random: () => number;
}

/** The longest wait after `failures` failures at `ageMs` (the `e` above), in ms. */
export function nominalDelayMs(failures: number, baseMs: number, ageMs: number): number {
  const cap = ageMs < EARLY_PHASE_MS ? EARLY_CAP_MS : LATE_CAP_MS;
  // 2 ** large is Infinity, which min() turns into the cap.
  return Math.min(Math.max(0, baseMs) * 2 ** (Math.max(1, failures) - 1), cap);
}

/** The wait before the next attempt, in whole ms; never past the end of `maxAgeMs`. */
export function retryDelayMs(input: RetryInput): number {
  const e = nominalDelayMs(input.failures, input.baseMs, input.ageMs);
  const r = Math.min(Math.max(input.random(), 0), 1);
  const delay = e / 2 + (e / 2) * r;
  return Math.max(0, Math.ceil(Math.min(delay, input.maxAgeMs - input.ageMs)));
}

/** True when no further attempt may start: the delivery is `maxAgeMs` old. */
export function isExhausted(ageMs: number, maxAgeMs: number): boolean {
  return ageMs >= maxAgeMs;
}

/**
 * BullMQ's `attempts` for a webhook job: the most attempts that fit in `maxAgeMs` if every wait
 * were its shortest (`e/2`), plus one. The age check stops a delivery first; this only bounds
 * a job whose clock went wrong.
 */
export function attemptsBudget(baseMs: number, maxAgeMs: number): number {
  let attempts = 1;
  for (let elapsed = 0; elapsed < maxAgeMs && attempts < 100_000; attempts++) {
    elapsed += Math.max(1, nominalDelayMs(attempts, baseMs, elapsed) / 2);
  }
  return attempts + 1;
}
