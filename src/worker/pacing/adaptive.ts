import type { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../shared/config.js';
import type { Keys } from '../../shared/keys.js';
import type { Logger } from '../../shared/logger.js';
import type { Metrics } from '../../shared/metrics.js';
import { createPacerStore } from '../../store/pacer-store.js';
import { createFleetPauseChannel } from '../../store/fleet-pause-channel.js';
import { createGradientLimit, type GradientLimit } from './gradient-limit.js';
import { createPacer, type Pacer } from './pacer.js';
import { limiterFor, type Limiter } from '../rate-limiter-window.js';
import { createLimiterSwitch, type LimiterSwitch } from './limiter-switch.js';

/** What a worker process adapts (CHATBATCH_ADAPTIVE): the fleet's pace and its own concurrency. */
export interface Adaptive {
  /** The pace (undefined when off): a 429 lowers it, the turn processor reports every attempt. */
  readonly pacer: Pacer | undefined;
  /** Latency-aware concurrency (undefined when off): fed by successful attempts. */
  readonly concurrency: Pick<GradientLimit, 'sample'> | undefined;
  /** The limiter to start the BullMQ Worker with (undefined: none until needed). */
  initialLimiter(): Limiter | undefined;
  /** From now on, apply the pace and the concurrency limit to this Worker. */
  attach(worker: Worker): void;
  /** Tells the other workers that this one paused the fleet (after queue.rateLimit). */
  announceFleetPause(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The BullMQ limiter (one counter shared by every worker, read with each worker's own
 * {max, duration} on every fetch) follows the fleet's pace: `worker.opts.limiter` is replaced
 * as the pace changes; without a ceiling it is installed only once needed (limiter-switch.ts).
 * `worker.concurrency` follows the Gradient2 limit. Reads the shared pace once before the first
 * fetch, so a worker that starts during an episode starts at its rate.
 */
export async function startAdaptive(deps: {
  config: Pick<Config, 'adaptive' | 'rateLimit' | 'concurrency'>;
  /** The turn queue: its rate-limit key says whether a fleet pause is on. */
  queue: Pick<Queue, 'getRateLimitTtl'>;
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
      announceFleetPause: async () => undefined,
      stop: async () => undefined,
    };
  }
  // Made once the pacer has read the shared state: start() may apply a rate first, which the
  // switch then takes from pacer.rate.
  let switched: LimiterSwitch | undefined = undefined;
  const pacer = createPacer({
    store: createPacerStore({ redis: deps.redis, keys: deps.keys }),
    rateLimit: config.rateLimit,
    apply: (rate) => switched?.apply(rate),
    // A 429 installs the limiter before anything else is decided.
    onRefused: () => switched?.install(),
    metrics,
    logger: deps.logger,
    now: deps.now,
  });
  await pacer.start();
  const limiter = await createLimiterSwitch({
    installed: config.rateLimit > 0 || pacer.active,
    currentRate: () => pacer.rate,
    channel: createFleetPauseChannel({
      redis: deps.redis,
      channel: deps.keys.pacerPauses,
      queue: deps.queue,
    }),
    logger: deps.logger,
  });
  switched = limiter;
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
    initialLimiter: () => limiter.initial(),
    attach(w) {
      worker = w;
      limiter.attach(w);
    },
    announceFleetPause: () => limiter.announcePause(),
    async stop() {
      pacer.stop();
      await limiter.stop();
    },
  };
}
