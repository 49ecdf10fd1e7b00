import type { Redis } from 'ioredis';
import type { Config } from '../shared/config.js';
import type { Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { startDeliveryWorker } from './delivery-worker.js';
import type { FailedEvents } from './failed-events.js';
import { startRelay } from './relay.js';
import { createWebhookSender } from './sender.js';
import type { Resolver } from './safe-lookup.js';
import type { WebhookQueue } from './webhook-queue.js';

/** What webhook delivery needs of the process's services (src/services.ts, role `worker`). */
export interface WebhookServices {
  readonly config: Config;
  readonly keys: Keys;
  readonly redis: Redis;
  readonly webhookQueue: WebhookQueue;
  readonly failedWebhooks: FailedEvents;
}

/**
 * The webhook side of a worker process: the relay (outbox → queue) and the delivery worker.
 * Without CHATBATCH_WEBHOOK_SECRET nothing can be signed: nothing starts, and if events are
 * waiting the worker says so (the age-of-oldest metric shows them too).
 */
export async function startWebhooks(deps: {
  services: WebhookServices;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** Name resolution for deliveries (tests); default the OS resolver. */
  resolve?: Resolver;
  /** How often the relay looks at the outbox, in ms. Default 500. */
  relayIntervalMs?: number;
}): Promise<{ close(): Promise<void> }> {
  const { services, logger } = deps;
  const { config, keys, redis } = services;
  if (config.webhookSecrets.length === 0) {
    const waiting = await Promise.all([
      redis.llen(keys.webhookOutbox),
      redis.zcard(keys.webhookPending),
    ]).catch(() => [0, 0]);
    if (waiting.some((n) => n > 0)) {
      logger.warn(
        { events: waiting[0]! + waiting[1]! },
        'webhook events are waiting but CHATBATCH_WEBHOOK_SECRET is not set on this worker: they are not sent',
      );
    }
    return { close: async () => undefined };
  }
  const sender = createWebhookSender({
    allowPrivate: config.webhookAllowPrivate,
    resolve: deps.resolve,
  });
  const relay = startRelay({
    redis,
    keys,
    queue: services.webhookQueue,
    logger,
    metrics: deps.metrics,
    intervalMs: deps.relayIntervalMs,
  });
  const delivery = startDeliveryWorker({
    connection: redis,
    keys,
    sender,
    secrets: config.webhookSecrets,
    failedEvents: services.failedWebhooks,
    metrics: deps.metrics,
    logger,
    now: deps.now,
    random: deps.random,
    baseMs: config.webhookBackoffMs,
    maxAgeMs: config.webhookMaxAgeSeconds * 1000,
    stalledIntervalMs: config.stalledIntervalMs,
  });
  return {
    async close() {
      await relay.stop();
      await delivery.close();
      await sender.close();
    },
  };
}
