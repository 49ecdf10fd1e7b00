/** A BullMQ Worker's `limiter` option. */
export interface Limiter {
  max: number;
  duration: number;
}

/**
 * BullMQ's limiter counts job starts in fixed windows. With one 1 s window, a burst at the end
 * of one window and another at the start of the next put 2× the limit into one second. Slicing
 * the second into windows of ~50 ms keeps any one-second span within about 1.05× the limit.
 */
export function rateLimiterWindow(startsPerSecond: number): Limiter {
  const perWindow = Math.max(1, Math.floor(startsPerSecond / 20));
  return {
    max: perWindow,
    duration: Math.max(1, Math.round((1000 * perWindow) / startsPerSecond)),
  };
}

/** BullMQ's limiter needs a `max` even without a limit (the fleet-pause path uses it). */
const UNLIMITED_STARTS_PER_SECOND = 1_000_000;

/** The BullMQ limiter for a rate of starts per second across the fleet (Infinity: none). */
export function limiterFor(rate: number): Limiter {
  return rateLimiterWindow(Number.isFinite(rate) ? rate : UNLIMITED_STARTS_PER_SECOND);
}
