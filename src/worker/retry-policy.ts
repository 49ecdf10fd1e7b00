import { RETRY_AFTER_MAX_MS } from '../vendor/retry-after.js';

/** Default ceiling of the exponential part: 5 minutes. */
export const BACKOFF_MAX_MS = 5 * 60 * 1000;

export interface BackoffInput {
  /** 1-based number of the attempt that just failed (1 after the first failure). */
  attempt: number;
  /** Base delay in ms (CHATBATCH_BACKOFF_MS, default 1000): the first retry waits 0.5–1×base. */
  baseMs: number;
  /** Uniform source in [0, 1); injected so tests need neither timers nor luck. */
  random: () => number;
  /** What the vendor asked for via `Retry-After`, in ms; the delay is never shorter. */
  retryAfterMs?: number | undefined;
  /** Ceiling of the exponential part, in ms. Default 5 minutes. Retry-After may exceed it. */
  maxMs?: number | undefined;
}

/**
 * Delay before the next attempt, in whole ms.
 *
 * Exponential with "equal jitter": `e = min(base·2^(attempt−1), maxMs)`, delay uniform in
 * `[e/2, e)`. Chosen over full jitter (uniform in `[0, e)`) because full jitter sometimes
 * retries almost at once, which against a struggling vendor is the wrong instinct; the random
 * half still spreads workers that failed together.
 *
 * A `Retry-After` is a floor: the vendor knows better than our curve. It may exceed `maxMs`
 * (an explicit ask wins over our guess) but not one hour, the same cap `parseRetryAfter` uses.
 */
export function backoffDelayMs(input: BackoffInput): number {
  const { baseMs, random, retryAfterMs, maxMs = BACKOFF_MAX_MS } = input;
  const attempt = Math.max(1, Math.floor(input.attempt));
  // 2 ** large is Infinity, which min() turns into the cap, so no overflow guard is needed.
  const exponential = Math.min(Math.max(0, baseMs) * 2 ** (attempt - 1), Math.max(0, maxMs));
  const r = Math.min(Math.max(random(), 0), 1);
  let delay = exponential / 2 + (exponential / 2) * r;
  if (retryAfterMs !== undefined && retryAfterMs > 0) {
    delay = Math.max(delay, Math.min(retryAfterMs, RETRY_AFTER_MAX_MS));
  }
  return Math.ceil(delay);
}

/**
 * The worker's two retry delays, in one place: after a 429 (the account is throttled) and
 * after a transient failure (5xx, a timeout, a reset), which BullMQ asks for through its
 * `backoffStrategy`. Both are `backoffDelayMs` over the turn's own attempt number, so a retry
 * never comes sooner than the vendor's `Retry-After`.
 */
export interface RetryPolicy {
  /**
   * How long every worker holds off after a 429 on the turn's `attempt` when the 429 pauses
   * the fleet (CHATBATCH_ADAPTIVE=off, or a long Retry-After). With adaptive pacing only the
   * turn waits, through `backoffStrategy`, which gives the same delay.
   */
  rateLimitedDelayMs(attempt: number, retryAfterMs: number | undefined): number;
  /**
   * BullMQ's `settings.backoffStrategy`: the delay before retrying a job that threw `error`.
   * Jobs of other backoff types (none today) retry at once.
   */
  backoffStrategy(attemptsMade: number, type: string | undefined, error: Error | undefined): number;
}

export function createRetryPolicy(deps: {
  /** CHATBATCH_BACKOFF_MS. */
  baseMs: number;
  random: () => number;
  /** The backoff type our turn jobs carry (turn-queue.ts). */
  backoffType: string;
  /** The error a retried attempt throws: carries the turn's attempt and the Retry-After. */
  isRetryable(error: Error | undefined): error is Error & {
    attempt: number;
    retryAfterMs: number | undefined;
  };
}): RetryPolicy {
  const { baseMs, random } = deps;
  return {
    rateLimitedDelayMs: (attempt, retryAfterMs) =>
      backoffDelayMs({ attempt, baseMs, random, retryAfterMs }),
    backoffStrategy(attemptsMade, type, error) {
      if (type !== deps.backoffType) return 0;
      // Our store counts the turn's attempts; BullMQ's counter also counts Redis hiccups.
      const retryable = deps.isRetryable(error) ? error : undefined;
      return backoffDelayMs({
        attempt: retryable?.attempt ?? attemptsMade,
        baseMs,
        random,
        retryAfterMs: retryable?.retryAfterMs,
      });
    },
  };
}
