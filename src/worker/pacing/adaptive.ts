import type { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';
import type { Keys } from '../../shared/keys.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { createPacerStore } from '../../store/pacer-store.js';
import { rateLimiterWindow } from '../rate-limiter-window.js';
import { createGradientLimit, type GradientLimit } from './gradient-limit.js';
import { createPacer, type Pacer } from './pacer.js';

/** BullMQ's limiter needs a `max` even without a limit (the fleet-pause path uses it). */
const UNLIMITED_STARTS_PER_SECOND = 1_000_000;

/** The BullMQ limiter for a rate of starts per second across the fleet (Infinity: none). */
export function limiterFor(rate: number): { max: number; duration: number } {
  return rateLimiterWindow(Number.isFinite(rate) ? rate : UNLIMITED_STARTS_PER_SECOND);
}

/** What a worker process adapts (CHATBATCH_ADAPTIVE): the fleet's pace and its own concurrency. */
export interface Adaptive {
  /** The pace (undefined when off): a 429 lowers it, the turn processor reports every attempt. */
  readonly pacer: Pacer | undefined;
  /** Latency-aware concurrency (undefined when off): fed by successful attempts. */
  readonly concurrency: Pick<GradientLimit, 'sample'> | undefined;
  /** The limiter to start the BullMQ Worker with. */
  initialLimiter(): { max: number; duration: number };
  /** From now on, apply the pace and the concurrency limit to this Worker. */
  attach(worker: Worker): void;
  stop(): void;
}

/**
 * The BullMQ limiter (one counter shared by every worker, read with each worker's own
 * {max, duration} on every fetch) follows the fleet's pace: `worker.opts.limiter` is replaced
 * as the pace changes. `worker.concurrency` follows the Gradient2 limit. Reads the shared pace
 * once before the first fetch, so a worker that starts during an episode starts at its rate.
 */
export async function startAdaptive(deps: {
  config: Pick<Config, 'adaptive' | 'rateLimit' | 'concurrency'>;
  redis: Redis;
  keys: Keys;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
}): Promise<Adaptive> {
  const { config, metrics } = deps;
  let worker: Worker | undefined;
  metrics.pacerConcurrencyLimit.set(config.concurrency);
  if (!config.adaptive) {
    metrics.pacerRateLimit.set(config.rateLimit);
    return {
      pacer: undefined,
      concurrency: undefined,
      initialLimiter: () => limiterFor(config.rateLimit || Infinity),
      attach: () => undefined,
      stop: () => undefined,
    };
  }
  const pacer = createPacer({
    store: createPacerStore({ redis: deps.redis, keys: deps.keys }),
    rateLimit: config.rateLimit,
    apply: (rate) => {
      if (worker) worker.opts.limiter = limiterFor(rate);
    },
    metrics,
    logger: deps.logger,
    now: deps.now,
  });
  await pacer.start();
  const gradient = createGradientLimit(
    { min: Math.max(1, Math.ceil(config.concurrency / 10)), max: config.concurrency },
    deps.now,
  );
  return {
    pacer,
    concurrency: {
      sample(rttMs, inFlight) {
        gradient.sample(rttMs, inFlight);
        const limit = gradient.limit;
        if (worker && worker.concurrency !== limit) {
          worker.concurrency = limit;
          metrics.pacerConcurrencyLimit.set(limit);
        }
      },
    },
    initialLimiter: () => limiterFor(pacer.rate),
    attach(w) {
      worker = w;
    },
    stop() {
      pacer.stop();
    },
  };
}
