import { rateLimiterWindow } from '../rate-limiter-window.js';

/** BullMQ's limiter needs a `max` even without a limit (the fleet-pause path uses it). */
const UNLIMITED_STARTS_PER_SECOND = 1_000_000;

/** A BullMQ Worker's `limiter` option. */
export interface Limiter {
  max: number;
  duration: number;
}

/** The BullMQ limiter for a rate of starts per second across the fleet (Infinity: none). */
export function limiterFor(rate: number): Limiter {
  return rateLimiterWindow(Number.isFinite(rate) ? rate : UNLIMITED_STARTS_PER_SECOND);
}
