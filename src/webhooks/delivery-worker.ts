import { Worker, type Job, type MinimalJob } from 'bullmq';
import type { Redis } from 'ioredis';
import { WEBHOOK_QUEUE_NAME, type Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import type { WebhookSecret } from '../shared/webhook-settings.js';
import { isExhausted, retryDelayMs } from './backoff.js';
import type { FailedEvents } from './failed-events.js';
import type { WebhookSender } from './sender.js';
import { signedHeaders } from './signing.js';
import { WEBHOOK_BACKOFF_TYPE, webhookJobSchema, type WebhookJob } from './webhook-queue.js';

/** A delivery attempt that failed and will be tried again (BullMQ's backoff decides when). */
export class DeliveryRetryError extends Error {
  override readonly name = 'DeliveryRetryError';
}

/** Deliveries in flight per worker process: receivers are slow, not many. */
export const DELIVERY_CONCURRENCY = 10;

export interface DeliveryWorkerDeps {
  /** A worker connection (`maxRetriesPerRequest: null`). */
  connection: Redis;
  keys: Keys;
  sender: WebhookSender;
  /** Every attempt is signed with each (CHATBATCH_WEBHOOK_SECRET). */
  secrets: readonly WebhookSecret[];
  failedEvents: FailedEvents;
  metrics: Metrics;
  logger: Logger;
  now: () => number;
  random: () => number;
  /** CHATBATCH_WEBHOOK_BACKOFF_MS. */
  baseMs: number;
  /** CHATBATCH_WEBHOOK_MAX_AGE, in ms. */
  maxAgeMs: number;
  /** BullMQ lock and stalled-check interval, in ms (CHATBATCH_STALLED_INTERVAL_MS). */
  stalledIntervalMs: number;
  /** Deliveries in flight in this process. Default DELIVERY_CONCURRENCY. */
  concurrency?: number;
}

/**
 * One delivery attempt of a webhook job: sign with a fresh timestamp, send, and settle the
 * event when it was delivered, refused, or has reached its max age; otherwise throw so that
 * BullMQ retries it after the backoff (the job survives any worker's death: it is in Redis).
 */
export function createDeliveryProcessor(deps: DeliveryWorkerDeps) {
  const { metrics, logger, now } = deps;
  return async (job: Pick<Job, 'id' | 'data' | 'attemptsMade' | 'opts'>): Promise<string> => {
    const parsed = webhookJobSchema.safeParse(job.data);
    if (!parsed.success) {
      logger.error({ err: parsed.error.message }, 'unreadable webhook job dropped');
      return 'dropped';
    }
    const event: WebhookJob = parsed.data;
    const jobId = job.id ?? event.id;
    const headers = signedHeaders(deps.secrets, event.id, now() / 1000, event.body);
    const result = await deps.sender.send(event.url, { ...headers }, event.body);
    const attempts = job.attemptsMade + 1;
    const log = { batchId: event.batchId, eventId: event.id, type: event.type, attempts };
    if (result.ok) {
      await deps.failedEvents.delivered(event, jobId);
      metrics.webhookDeliveries.inc({ outcome: 'delivered' });
      logger.debug({ ...log, status: result.status }, 'webhook delivered');
      return 'delivered';
    }
    const outOfAttempts = attempts >= (job.opts.attempts ?? 1);
    if (result.permanent || outOfAttempts || isExhausted(now() - event.since, deps.maxAgeMs)) {
      await deps.failedEvents.record(event, jobId, { reason: result.reason, attempts, at: now() });
      metrics.webhookDeliveries.inc({ outcome: 'failed' });
      logger.warn(
        { ...log, reason: result.reason },
        `webhook event failed for good; after fixing the receiver run: chatbatch webhooks retry ${event.batchId}`,
      );
      return 'failed';
    }
    metrics.webhookDeliveries.inc({ outcome: 'retry' });
    throw new DeliveryRetryError(result.reason);
  };
}

export function startDeliveryWorker(deps: DeliveryWorkerDeps): { close(): Promise<void> } {
  const { logger, now } = deps;
  const worker = new Worker(WEBHOOK_QUEUE_NAME, createDeliveryProcessor(deps), {
    connection: deps.connection,
    prefix: deps.keys.bullPrefix,
    concurrency: deps.concurrency ?? DELIVERY_CONCURRENCY,
    lockDuration: deps.stalledIntervalMs,
    stalledInterval: deps.stalledIntervalMs,
    // A delivery whose worker died is simply tried again; never give up on it for that.
    maxStalledCount: 1000,
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, _error?: Error, job?: MinimalJob) => {
        if (type !== WEBHOOK_BACKOFF_TYPE) return 0;
        const since = Number((job?.data as { since?: unknown } | undefined)?.since ?? now());
        return retryDelayMs({
          failures: attemptsMade,
          baseMs: deps.baseMs,
          ageMs: now() - since,
          maxAgeMs: deps.maxAgeMs,
          random: deps.random,
        });
      },
    },
  });
  worker.on('error', (error) => logger.error({ err: error.message }, 'webhook worker error'));
  worker.on('failed', (job, error) => {
    if (error instanceof DeliveryRetryError)
      logger.debug(
        { eventId: job?.data?.id, reason: error.message },
        'webhook attempt failed, will retry',
      );
    else
      logger.error(
        { eventId: job?.data?.id, err: error.message },
        'webhook job failed unexpectedly',
      );
  });
  return { close: () => worker.close() };
}
