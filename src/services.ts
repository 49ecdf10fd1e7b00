import type { Redis } from 'ioredis';
import type { Config } from './shared/config.js';
import { makeKeys, type Keys } from './shared/keys.js';
import type { Logger } from './shared/logger.js';
import type { Metrics } from './shared/metrics.js';
import { connectRedis, createRedis, safeRedisUrl, waitForRedis } from './shared/redis.js';
import { createTurnQueue, type TurnQueue } from './shared/turn-queue.js';
import { createAppendStore, type AppendStore } from './store/append-store.js';
import { createBatchStore, type BatchStore } from './store/batch-store.js';
import { createMaintenanceStore, type MaintenanceStore } from './store/maintenance-store.js';
import { createRejectedStore, type RejectedStore } from './store/rejected-store.js';
import { createTurnStore, type TurnStore } from './store/turn-store.js';
import { createLaneTagger } from './store/lane-store.js';
import { createSuppressionStore, type SuppressionStore } from './store/suppression-store.js';
import type { IngestDeps } from './producer/ingest.js';
import { attemptsBudget } from './webhooks/backoff.js';
import { createFailedEvents, type FailedEvents } from './webhooks/failed-events.js';
import { createWebhookQueue, type WebhookQueue } from './webhooks/webhook-queue.js';
import {
  createScheduleService,
  type ScheduleService,
} from './producer/schedules/schedule-service.js';

/**
 * How a process talks to Redis:
 * - `cli`: one-shot commands fail fast (exit 1) when Redis does not answer;
 * - `api`: the HTTP API starts anyway and answers 503 until Redis is back (never hangs);
 * - `worker`: waits for Redis, and its commands wait out a Redis restart.
 */
export type ServiceRole = 'cli' | 'api' | 'worker';

/**
 * The composition root: everything a chatbatch process shares, wired once, from the config.
 * Every entry point (each CLI command, `chatbatch api`, `chatbatch worker`, the demo, tests and
 * benchmarks) opens its services here, so there is one place that knows how the stores, the
 * queue and the ingest path are built.
 */
export interface Services {
  readonly config: Config;
  readonly role: ServiceRole;
  readonly keys: Keys;
  /** The process's command connection (BullMQ adds its own blocking ones). */
  readonly redis: Redis;
  readonly batchStore: BatchStore;
  readonly maintenance: MaintenanceStore;
  readonly turnStore: TurnStore;
  readonly appendStore: AppendStore;
  /** The suppression list (contact rules). */
  readonly suppressions: SuppressionStore;
  /** Each batch's rejected rows (`chatbatch rejected`). */
  readonly rejectedStore: RejectedStore;
  /** The BullMQ queue of turns, built on first use (read-only commands never need it). */
  readonly turnQueue: TurnQueue;
  /** Recurring runs, built on first use. */
  readonly schedules: ScheduleService;
  /** The BullMQ queue of webhook deliveries, built on first use. */
  readonly webhookQueue: WebhookQueue;
  /** Webhook events that failed for good, per batch (`chatbatch webhooks retry`). */
  readonly failedWebhooks: FailedEvents;
  /** What `ingestRows` needs (counting rows in `metrics` when given). */
  ingestDeps(metrics?: Metrics): IngestDeps;
  /** Closes the queues and the connection. */
  close(): Promise<void>;
}

/** Redis did not answer a one-shot command in time. */
export class RedisUnreachableError extends Error {
  override readonly name = 'RedisUnreachableError';
}

/** Connection errors repeat every retry while Redis is away: log one per this many ms. */
const REDIS_ERROR_LOG_MS = 10_000;

export async function openServices(
  config: Config,
  role: ServiceRole,
  deps: {
    logger?: Logger;
    now?: () => number;
    /** How long a `cli` or `api` process waits for Redis at start, in ms. Default 3000. */
    connectTimeoutMs?: number;
  } = {},
): Promise<Services> {
  const { logger } = deps;
  const now = deps.now ?? Date.now;
  const redis = createRedis(config.redisUrl, role === 'worker' ? 'worker' : 'producer');
  const where = safeRedisUrl(config.redisUrl);
  let lastErrorLog = 0;
  redis.on('error', (error: Error) => {
    // `cli` reports the failing command itself; the others log, throttled.
    if (role === 'cli' || !logger || Date.now() - lastErrorLog < REDIS_ERROR_LOG_MS) return;
    lastErrorLog = Date.now();
    logger.warn({ err: error.message, redis: where }, 'Redis connection error');
  });

  if (role === 'cli') {
    try {
      await connectRedis(redis, config.redisUrl, deps.connectTimeoutMs);
    } catch (error) {
      redis.disconnect();
      throw new RedisUnreachableError((error as Error).message);
    }
  } else if (role === 'api') {
    await connectRedis(redis, config.redisUrl, deps.connectTimeoutMs).catch((error: Error) =>
      logger?.warn({ err: error.message }, 'Redis unreachable; answering 503 until it is back'),
    );
  } else {
    // BullMQ objects built while Redis is down give up for good; so wait for Redis first
    // (ioredis keeps retrying), then build them. Later outages are ridden out.
    await waitForRedis(redis, logger ?? { warn: () => undefined }, where);
  }

  const keys = makeKeys(config.prefix);
  const { retentionSeconds } = config;
  const batchStore = createBatchStore({ redis, keys, now, retentionSeconds });
  const rejectedStore = createRejectedStore({ redis, keys, retentionSeconds });
  let turnQueue: TurnQueue | undefined;
  let schedules: ScheduleService | undefined;
  let webhookQueue: WebhookQueue | undefined;
  const services: Services = {
    config,
    role,
    keys,
    redis,
    batchStore,
    maintenance: createMaintenanceStore({ redis, keys, now }),
    // Adaptive pacing measures the fleet's accepted rate from the turns it records.
    turnStore: createTurnStore({
      redis,
      keys,
      retentionSeconds,
      optOutWords: config.optOutWords,
      countAccepted: config.adaptive,
    }),
    suppressions: createSuppressionStore({ redis, keys, now }),
    appendStore: createAppendStore({ redis, keys, retentionSeconds, maxTurns: config.maxTurns }),
    rejectedStore,
    get turnQueue() {
      if (!turnQueue) {
        turnQueue = createTurnQueue({
          connection: redis,
          keys,
          // Off: first turns in arrival order (CHATBATCH_FAIR_LANES, for comparisons).
          laneTagger: config.fairLanes ? createLaneTagger({ redis, keys }) : undefined,
        });
        // Connection trouble is logged once, by the connection's own handler above.
        turnQueue.queue.on('error', () => undefined);
      }
      return turnQueue;
    },
    get schedules() {
      if (!schedules) {
        schedules = createScheduleService({
          redis,
          keys,
          connection: redis,
          minIntervalMs: config.scheduleMinIntervalMs,
        });
        schedules.queue.on('error', () => undefined);
      }
      return schedules;
    },
    get webhookQueue() {
      if (!webhookQueue) {
        webhookQueue = createWebhookQueue({
          redis,
          keys,
          attempts: attemptsBudget(config.webhookBackoffMs, config.webhookMaxAgeSeconds * 1000),
        });
        webhookQueue.queue.on('error', () => undefined);
      }
      return webhookQueue;
    },
    failedWebhooks: createFailedEvents({
      redis,
      keys,
      retentionSeconds,
      queue: () => services.webhookQueue,
      now,
    }),
    ingestDeps(metrics) {
      return {
        redis,
        keys,
        batchStore,
        turnQueue: services.turnQueue,
        metrics,
        retentionSeconds,
        maxTurns: config.maxTurns,
        defaultFrequencyCap: config.frequencyCap,
        defaultWebhookUrl: config.webhookUrl,
        rejectedStore,
      };
    },
    async close() {
      await Promise.allSettled([turnQueue?.close(), schedules?.close(), webhookQueue?.close()]);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
  return services;
}
