import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import { WEBHOOK_QUEUE_NAME, type Keys } from '../shared/keys.js';
import { BATCH_EVENT_TYPES, OPT_IN_EVENT_TYPES } from '../shared/webhook-settings.js';
import type { WebhookDelivery } from './events.js';

/** The payload of a webhook job: the whole delivery, so an attempt looks nothing up. */
export const webhookJobSchema = z.object({
  id: z.string().min(1),
  type: z.enum([...BATCH_EVENT_TYPES, ...OPT_IN_EVENT_TYPES]),
  batchId: z.string().min(1),
  url: z.string().min(1),
  body: z.string(),
  at: z.number(),
  /** When this delivery began (ms): the event's time, or when `webhooks retry` re-sent it. */
  since: z.number(),
});
export type WebhookJob = z.infer<typeof webhookJobSchema>;

/** Name of the backoff strategy the delivery worker registers (settings.backoffStrategy). */
export const WEBHOOK_BACKOFF_TYPE = 'chatbatch-webhook';

export interface WebhookQueue {
  readonly queue: Queue;
  /**
   * Queues deliveries and marks their jobs pending (for the age-of-oldest metric). A job id that
   * exists already is not added twice: the relay uses the event id, so an entry relayed twice
   * (two relays, a crash before the outbox entry was removed) is one job.
   */
  enqueue(
    items: readonly { delivery: WebhookDelivery; since: number; jobId: string }[],
  ): Promise<void>;
  close(): Promise<void>;
}

export function createWebhookQueue(deps: {
  /** The process's command connection: the queue's and the pending set's. */
  redis: Redis;
  keys: Keys;
  /** BullMQ attempts per job (see backoff.ts attemptsBudget). */
  attempts: number;
}): WebhookQueue {
  const defaultJobOptions: JobsOptions = {
    attempts: deps.attempts,
    backoff: { type: WEBHOOK_BACKOFF_TYPE },
    // Settled deliveries are recorded elsewhere (delivered: nowhere; failed: the batch's failed
    // events). Keep the last ones a while so a second relay of the same entry is a no-op.
    removeOnComplete: { age: 3600, count: 1000 },
    // Only a bug or a long Redis outage fails a job in BullMQ; keep those to look at.
    removeOnFail: { age: 7 * 86_400 },
  };
  const queue = new Queue(WEBHOOK_QUEUE_NAME, {
    connection: deps.redis,
    prefix: deps.keys.bullPrefix,
    defaultJobOptions,
  });
  return {
    queue,
    async enqueue(items) {
      if (items.length === 0) return;
      const pending = deps.redis.pipeline();
      // Before the jobs exist, so that a crash in between cannot leave a job uncounted; a
      // member whose job is gone or finished is dropped by the backlog collector.
      for (const { since, jobId } of items)
        pending.zadd(deps.keys.webhookPending, 'NX', since, jobId);
      await pending.exec();
      await queue.addBulk(
        items.map(({ delivery, since, jobId }) => ({
          name: delivery.type,
          data: { ...delivery, since } satisfies WebhookJob,
          opts: { jobId },
        })),
      );
    },
    close: () => queue.close(),
  };
}
