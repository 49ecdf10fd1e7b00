/**
 * Latency-aware concurrency for one worker process: Netflix concurrency-limits' Gradient2.
 * While the vendor's latency stays near its long-run level the in-flight limit grows (by about
 * √limit per window) up to the configured concurrency; when the latency climbs (the vendor is
 * queueing our requests) the limit shrinks in proportion, so requests that would only wait in
 * the vendor's queue stay in ours (where a 429 or a closed window can still reach them).
 */
export interface GradientParams {
  /** Lowest limit. */
  min: number;
  /** Highest limit: CHATBATCH_CONCURRENCY. */
  max: number;
  /** A window's mean RTT may reach this × the long-run RTT before the limit shrinks. Default 1.5. */
  tolerance: number;
  /**
   * … plus this many ms, so that the few ms a busy worker adds to a fast vendor's answers (its
   * own event loop, not the vendor's queue) never count. Default 50.
   */
  toleranceMs: number;
  /** Share of each new limit taken over the old one. Default 0.2. */
  smoothing: number;
  /** How often the limit is updated, in ms (a window of samples). Default 500. */
  windowMs: number;
  /**
   * Windows in the long-run RTT's exponential average: how long a lasting new latency takes to
   * become the norm (the limit comes back). Default 240 (about 2 minutes).
   */
  longWindows: number;
}

/** Windows averaged plainly before the long-run RTT becomes an exponential average. */
const WARMUP_WINDOWS = 10;

export const DEFAULT_GRADIENT_PARAMS = {
  tolerance: 1.5,
  toleranceMs: 50,
  smoothing: 0.2,
  windowMs: 500,
  longWindows: 240,
} as const;

export interface GradientLimit {
  /** The current in-flight limit (a whole number within [min, max]). */
  readonly limit: number;
  /** One attempt's round trip (ms), and how many requests were in flight when it started. */
  sample(rttMs: number, inFlight: number): void;
}

export function createGradientLimit(
  params: Pick<GradientParams, 'min' | 'max'> & Partial<GradientParams>,
  now: () => number,
): GradientLimit {
  const p: GradientParams = { ...DEFAULT_GRADIENT_PARAMS, ...params };
  let limit = p.max;
  let longRtt = 0;
  let windows = 0;
  let windowStart = now();
  let sum = 0;
  let count = 0;
  let maxInFlight = 0;

  function endWindow(): void {
    const shortRtt = sum / count;
    windows++;
    // The long-run RTT: a plain mean of the first windows (warming up), then an exponential
    // average over about `longWindows` windows.
    const weight = windows <= WARMUP_WINDOWS ? 1 / windows : 2 / (p.longWindows + 1);
    longRtt = longRtt + (shortRtt - longRtt) * weight;
    // A long run far above the present (latency fell for good): let it catch up faster.
    if (longRtt / shortRtt > 2) longRtt *= 0.95;
    // Too little in flight to tell anything about the vendor's queue (the worker is not busy).
    if (maxInFlight < limit / 2) return;
    const gradient = Math.max(0.5, Math.min(1, (p.tolerance * longRtt + p.toleranceMs) / shortRtt));
    const next = limit * gradient + Math.sqrt(limit);
    const smoothed = limit * (1 - p.smoothing) + next * p.smoothing;
    limit = Math.min(p.max, Math.max(p.min, smoothed));
  }

  return {
    get limit() {
      return Math.max(p.min, Math.min(p.max, Math.round(limit)));
    },
    sample(rttMs, inFlight) {
      const at = now();
      if (count > 0 && at - windowStart >= p.windowMs) {
        endWindow();
        windowStart = at;
        sum = 0;
        count = 0;
        maxInFlight = 0;
      }
      if (count === 0) windowStart = at;
      sum += rttMs;
      count++;
      maxInFlight = Math.max(maxInFlight, inFlight);
    },
  };
}
