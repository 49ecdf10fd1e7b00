import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { BadOutboxEntryError, deliveryFromEntry, type WebhookDelivery } from './events.js';
import type { WebhookQueue } from './webhook-queue.js';

/** Entries moved per round trip. */
const PAGE = 100;

/**
 * Moves webhook events from the outbox (written by the store scripts) into the webhook queue.
 * Runs in every worker; one at a time holds the lock. An entry leaves the outbox only after its
 * job was added, so a relay that dies midway leaves it for the next round: at worst it is
 * relayed twice, and the event id as job id makes that one job.
 */
export function startRelay(deps: {
  redis: Redis;
  keys: Keys;
  queue: WebhookQueue;
  logger: Logger;
  metrics?: Metrics;
  /** How often to look at the outbox, in ms. Default 500. */
  intervalMs?: number;
}): { stop(): Promise<void>; relayOnce(): Promise<number> } {
  const { redis, keys, logger } = deps;
  const intervalMs = deps.intervalMs ?? 500;
  const owner = randomUUID();
  const lockMs = Math.max(10_000, intervalMs * 4);

  async function holdLock(): Promise<boolean> {
    if ((await redis.set(keys.webhookRelayLock, owner, 'PX', lockMs, 'NX')) === 'OK') return true;
    // Ours from an earlier round: extend it. (Not atomic, and need not be: two relays at once
    // only add the same jobs twice, which BullMQ ignores, and LREM removes an entry once.)
    if ((await redis.get(keys.webhookRelayLock)) !== owner) return false;
    await redis.pexpire(keys.webhookRelayLock, lockMs);
    return true;
  }

  async function relayOnce(): Promise<number> {
    if ((await redis.llen(keys.webhookOutbox)) === 0) return 0;
    if (!(await holdLock())) return 0;
    let moved = 0;
    for (;;) {
      const texts = await redis.lrange(keys.webhookOutbox, 0, PAGE - 1);
      if (texts.length === 0) break;
      const deliveries: WebhookDelivery[] = [];
      for (const text of texts) {
        try {
          deliveries.push(deliveryFromEntry(text, keys));
        } catch (error) {
          if (!(error instanceof BadOutboxEntryError)) throw error;
          // A bug, not input: say so loudly and drop it, or it would block every event after it.
          logger.error({ err: error.message }, 'webhook outbox entry dropped');
          deps.metrics?.webhookDeliveries.inc({ outcome: 'failed' });
        }
      }
      await deps.queue.enqueue(
        deliveries.map((delivery) => ({ delivery, since: delivery.at, jobId: delivery.id })),
      );
      const remove = redis.pipeline();
      for (const text of texts) remove.lrem(keys.webhookOutbox, 1, text);
      await remove.exec();
      moved += texts.length;
      if (texts.length < PAGE) break;
    }
    return moved;
  }

  let running: Promise<unknown> | undefined;
  const timer = setInterval(() => {
    if (running) return;
    running = relayOnce()
      .catch((error: Error) => logger.warn({ err: error.message }, 'webhook relay round failed'))
      .finally(() => {
        running = undefined;
      });
  }, intervalMs);
  timer.unref();

  return {
    relayOnce,
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
