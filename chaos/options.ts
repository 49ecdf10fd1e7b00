/**
 * What one chaos scenario does. Every duration is in milliseconds; every default is the full
 * `npm run chaos` size, and the short test in `npm test` passes smaller numbers.
 */
export interface ChaosOptions {
  /** Scenario name, for the report and the temp folder. */
  name: string;
  /** Conversations in the batch. Default 3000. */
  conversations: number;
  /** Turns per conversation are drawn uniformly from 1 to this. Default 4. */
  maxTurns: number;
  /** Worker processes (`node dist/cli/main.js worker`). Default 3. */
  workers: number;
  /** CHATBATCH_CONCURRENCY of each worker. Default 40. */
  concurrency: number;
  /** CHATBATCH_RATE_LIMIT: request starts per second across all workers. Default 300. */
  rateLimit: number;
  /** A one-second span may see at most this × rateLimit requests. Default 1.1. */
  rateTolerance: number;
  /** The simulator's `--faults` spec. Default: the mix (see DEFAULT_FAULTS). */
  faults: string;
  /** Simulator latency: base plus a uniform jitter. Default 5 + [0, 45). */
  latencyMs: number;
  jitterMs: number;
  /** CHATBATCH_REQUEST_TIMEOUT_MS. Default 2000. */
  requestTimeoutMs: number;
  /** CHATBATCH_STALLED_INTERVAL_MS. Default 2000. */
  stalledIntervalMs: number;
  /** CHATBATCH_BACKOFF_MS. Default 50. */
  backoffMs: number;
  /** CHATBATCH_MAX_ATTEMPTS. Default 6. */
  maxAttempts: number;
  /**
   * CHATBATCH_ADAPTIVE. Default off: the fault mix refuses 10% at random whatever the rate, and
   * workers killed every few seconds each read that noise afresh at a few dozen requests a
   * second, where adaptive pacing drifts down (docs/guides/adaptive-pacing.md, "Limits"); the
   * scenarios check delivery under faults, with the fixed limit they check against.
   */
  adaptive: boolean;
  /** SIGKILL a random worker every [min, max) ms while work is left; null = never. */
  killEveryMs: readonly [number, number] | null;
  /** Kills at most this many times. Default unlimited. */
  maxKills: number;
  /** A killed worker is started again after [min, max) ms. Default [100, 1500). */
  restartAfterMs: readonly [number, number];
  /** Restart the Redis server every [min, max) ms while work is left; null = never. */
  redisRestartEveryMs: readonly [number, number] | null;
  /** Redis stays down for [min, max) ms on each restart. Default [300, 1500). */
  redisDownMs: readonly [number, number];
  /** Restarts Redis at most this many times. Default 3. */
  maxRedisRestarts: number;
  /** The batch must settle within this, or the scenario fails. Default 240 s. */
  deadlineMs: number;
  /**
   * No turn finished for this long while work is left: the scenario fails as stuck (rather than
   * waiting for the deadline). Default 30 s, well beyond any backoff of the run.
   */
  stallMs: number;
  /** Seed of the schedule and the fault draws (timing still varies from run to run). */
  seed: number;
  /** Progress lines go here. Default: none. */
  log: (line: string) => void;
  /** Keep the temp folder (Redis AOF, request log, worker logs) even when all checks pass. */
  keepFiles: boolean;
}

/** The fault mix: 20% 5xx, 10% 429, 3% resets, 2% lost replies, 1% malformed, 1% error. */
export const DEFAULT_FAULTS =
  '5xx=0.2,429=0.1,reset=0.03,lost=0.02,malformed=0.01,error=0.01,retry-after=0';

export const DEFAULT_OPTIONS: ChaosOptions = Object.freeze({
  name: 'chaos',
  conversations: 3000,
  maxTurns: 4,
  workers: 3,
  concurrency: 40,
  rateLimit: 300,
  rateTolerance: 1.1,
  faults: DEFAULT_FAULTS,
  latencyMs: 5,
  jitterMs: 45,
  requestTimeoutMs: 2000,
  stalledIntervalMs: 2000,
  backoffMs: 50,
  maxAttempts: 6,
  adaptive: false,
  killEveryMs: [2000, 6000] as const,
  maxKills: Number.POSITIVE_INFINITY,
  restartAfterMs: [100, 1500] as const,
  redisRestartEveryMs: null,
  redisDownMs: [300, 1500] as const,
  maxRedisRestarts: 3,
  deadlineMs: 240_000,
  stallMs: 30_000,
  seed: 1,
  log: () => undefined,
  keepFiles: false,
});

/** A small seeded PRNG (mulberry32): the kill schedule and fault draws repeat for a seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A uniform draw from [min, max). */
export function between(random: () => number, [min, max]: readonly [number, number]): number {
  return min + random() * (max - min);
}
