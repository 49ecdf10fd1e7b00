import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Keys } from '../shared/keys.js';
import type { WebhookJob, WebhookQueue } from './webhook-queue.js';
import { webhookJobSchema } from './webhook-queue.js';

/** A webhook event that was not delivered before its max age, or was refused. */
export const failedEventSchema = webhookJobSchema.extend({
  failedAt: z.string(),
  /** Why the last attempt failed, e.g. `HTTP 500` or `refused: … a loopback address`. */
  reason: z.string(),
  attempts: z.number().int(),
});
export type FailedEvent = z.infer<typeof failedEventSchema>;

export interface FailedEvents {
  /** Marks a delivery (job `jobId`) failed for good: kept for `webhooks retry`, no longer pending. */
  record(
    event: WebhookJob,
    jobId: string,
    failure: { reason: string; attempts: number; at: number },
  ): Promise<void>;
  /** Marks a delivery (job `jobId`) done: no longer pending, no longer failed (after a retry). */
  delivered(event: Pick<WebhookJob, 'id' | 'batchId'>, jobId: string): Promise<void>;
  /** The batch's failed events, oldest first (at most `limit`). */
  list(batchId: string, limit?: number): Promise<FailedEvent[]>;
  /** Queues every failed event of the batch again (same id and body); returns how many. */
  retry(batchId: string): Promise<number>;
}

const PAGE = 500;

/** The failed events of each batch, in a hash per batch (event id → JSON), kept as long as the batch. */
export function createFailedEvents(deps: {
  redis: Redis;
  keys: Keys;
  retentionSeconds: number;
  queue: () => WebhookQueue;
  now?: () => number;
}): FailedEvents {
  const { redis, keys } = deps;
  const now = deps.now ?? Date.now;

  async function* pages(batchId: string): AsyncGenerator<{ id: string; event: FailedEvent }[]> {
    let cursor = '0';
    do {
      const [next, flat] = await redis.hscan(keys.webhookFailed(batchId), cursor, 'COUNT', PAGE);
      cursor = next;
      const page: { id: string; event: FailedEvent }[] = [];
      for (let i = 0; i < flat.length; i += 2) {
        const parsed = failedEventSchema.safeParse(JSON.parse(flat[i + 1]!));
        if (parsed.success) page.push({ id: flat[i]!, event: parsed.data });
      }
      if (page.length > 0) yield page;
    } while (cursor !== '0');
  }

  return {
    async record(job, jobId, { reason, attempts, at }) {
      const event: FailedEvent = {
        ...job,
        failedAt: new Date(at).toISOString(),
        reason,
        attempts,
      };
      await redis
        .multi()
        .hset(keys.webhookFailed(job.batchId), job.id, JSON.stringify(event))
        .expire(keys.webhookFailed(job.batchId), deps.retentionSeconds)
        .zrem(keys.webhookPending, jobId)
        .exec();
    },

    async delivered(job, jobId) {
      await redis
        .multi()
        .zrem(keys.webhookPending, jobId)
        .hdel(keys.webhookFailed(job.batchId), job.id)
        .exec();
    },

    async list(batchId, limit = 1000) {
      const events: FailedEvent[] = [];
      for await (const page of pages(batchId)) {
        events.push(...page.map((p) => p.event));
        if (events.length >= limit) break;
      }
      return events.sort((a, b) => a.at - b.at).slice(0, limit);
    },

    async retry(batchId) {
      let count = 0;
      const since = now();
      for await (const page of pages(batchId)) {
        await deps.queue().enqueue(
          page.map(({ event }) => {
            const { failedAt: _f, reason: _r, attempts: _a, since: _s, ...delivery } = event;
            // A new job id (the old job may still be kept as completed); the same event id.
            return { delivery, since, jobId: `${event.id}-retry-${since}` };
          }),
        );
        await redis.hdel(keys.webhookFailed(batchId), ...page.map((p) => p.id));
        count += page.length;
      }
      return count;
    },
  };
}
