import { Worker } from 'bullmq';
import { Registry } from 'prom-client';
import type { Config } from '../shared/config.js';
import { QUEUE_NAME, type Keys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import { createMetrics, type Metrics } from '../shared/metrics.js';
import { startMetricsServer } from '../shared/metrics-server.js';
import { queueDepthCollector } from '../shared/queue-depth.js';
import type { Redis } from 'ioredis';
import { BACKOFF_TYPE, type TurnQueue } from '../shared/turn-queue.js';
import { sleep } from '../shared/clock.js';
import { createChatsClient } from '../vendor/chats-client.js';
import { createRetryPolicy } from './retry-policy.js';
import { RetryableTurnError } from './retryable-turn-error.js';
import { createTurnProcessor } from './turn-processor.js';
import { createCredentialGuard } from './credential-guard.js';
import { startWatchdog } from './watchdog.js';
import type { MaintenanceStore } from '../store/maintenance-store.js';
import type { BatchStore } from '../store/batch-store.js';
import type { TurnStore } from '../store/turn-store.js';
import { dropStaging } from '../store/ingest-store.js';
import { createBatchGate } from '../store/batch-gate.js';
import { webhookBacklogCollector } from '../webhooks/backlog.js';
import { startWebhooks, type WebhookServices } from '../webhooks/start-webhooks.js';
import type { Resolver } from '../webhooks/safe-lookup.js';
import { startAdaptive } from './pacing/adaptive.js';

export interface RunningWorker {
  readonly metrics: Metrics;
  readonly metricsPort: number | undefined;
  /**
   * Stops taking work, lets in-flight turns finish (bounded by the request timeout), closes
   * what the worker opened. The services stay open: they are the caller's.
   */
  close(): Promise<void>;
}

/** What the worker needs of the process's services (src/services.ts, role `worker`). */
export interface WorkerServices extends WebhookServices {
  readonly config: Config;
  readonly keys: Keys;
  /** A worker connection (`maxRetriesPerRequest: null`), already connected. */
  readonly redis: Redis;
  readonly turnStore: TurnStore;
  readonly turnQueue: TurnQueue;
  readonly batchStore: BatchStore;
  readonly maintenance: MaintenanceStore;
}

/**
 * Margin before another attempt of the same turn may start: an attempt lasts at most twice the
 * request timeout (headers, then a body that stalls; see the Chats client), plus this for clock
 * skew between worker hosts and the time to record a reply.
 */
const LEASE_MARGIN_MS = 2000;

/** The guard of `chatbatch worker`: without the vendor key every turn would fail. */
export function assertCanWork(config: Pick<Config, 'sigmamindApiKey'>): void {
  if (!config.sigmamindApiKey) {
    throw new Error('SIGMAMIND_API_KEY: required by the worker (the vendor API key)');
  }
}

export async function startWorker(deps: {
  services: WorkerServices;
  logger: Logger;
  /** Serve /metrics on config.metricsPort (false in tests that read the registry directly). */
  serveMetrics?: boolean;
  now?: () => number;
  random?: () => number;
  /** Name resolution of webhook deliveries (tests); default the OS resolver. */
  resolveWebhookHost?: Resolver;
}): Promise<RunningWorker> {
  const { services, logger } = deps;
  const { config, keys, redis, turnQueue, maintenance, batchStore } = services;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  assertCanWork(config);

  const registry = new Registry();
  const metrics = createMetrics(registry, {
    collectQueueJobs: queueDepthCollector(turnQueue.queue, now),
    collectWebhookBacklog: webhookBacklogCollector({ redis, keys, now }),
  });
  // Bound before anything takes a job: a worker without its /metrics (a port taken) must not run.
  const metricsServer =
    deps.serveMetrics === false
      ? undefined
      : await startMetricsServer(registry, config.metricsPort);
  if (metricsServer) logger.info({ port: metricsServer.port }, 'metrics at /metrics');

  const client = createChatsClient({
    baseUrl: config.sigmamindBaseUrl,
    apiKey: config.sigmamindApiKey!,
    timeoutMs: config.requestTimeoutMs,
    connections: config.concurrency,
  });
  const retryPolicy = createRetryPolicy({
    baseMs: config.backoffMs,
    random,
    backoffType: BACKOFF_TYPE,
    isRetryable: (error): error is RetryableTurnError => error instanceof RetryableTurnError,
  });
  const credentials = createCredentialGuard({
    queue: turnQueue.queue,
    maintenance,
    metrics,
    logger,
    now,
  });
  const adaptive = await startAdaptive({
    config,
    queue: turnQueue.queue,
    redis,
    keys,
    metrics,
    logger,
    now,
  });
  const { pacer } = adaptive;

  const processTurn = createTurnProcessor({
    credentials,
    store: services.turnStore,
    addNextTurn: (b, c, k) => turnQueue.addNextTurn(b, c, k),
    async kickoff(batchId) {
      for await (const refs of batchStore.committed(batchId))
        await turnQueue.addTurns(batchId, refs);
      logger.info({ batchId }, 'scheduled batch started');
    },
    createChat: (request) => client.createChat(request),
    async rateLimitQueue(ms) {
      await turnQueue.queue.rateLimit(ms);
      await adaptive.announceFleetPause();
    },
    pacer,
    concurrency: adaptive.concurrency,
    retryPolicy,
    metrics,
    logger,
    now,
    sleep,
    maxAttempts: config.maxAttempts,
    leaseMs: 2 * config.requestTimeoutMs + LEASE_MARGIN_MS,
    batches: createBatchGate({ redis, keys, now }),
    optOutWords: config.optOutWords,
  });

  const worker = new Worker(QUEUE_NAME, processTurn, {
    connection: redis,
    prefix: keys.bullPrefix,
    concurrency: config.concurrency,
    limiter: adaptive.initialLimiter(),
    lockDuration: config.stalledIntervalMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: 1000,
    // Bounds a turn that keeps meeting 429s; the store's attempt count bounds it first.
    maxStartedAttempts: config.maxAttempts * 4 + 10,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
    settings: { backoffStrategy: retryPolicy.backoffStrategy },
  });
  adaptive.attach(worker);
  worker.on('error', (error) => logger.error({ err: error.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    // Retried attempts are expected (and counted in metrics); permanent failures are logged
    // by the processor with their conversation. Anything else is a bug or a Redis problem.
    if (error instanceof RetryableTurnError)
      logger.debug({ jobId: job?.id, err: error.message }, 'attempt failed, will retry');
    else if (error.name !== 'UnrecoverableError')
      logger.error({ jobId: job?.id, err: error.message }, 'turn job failed unexpectedly');
  });

  const watchdog = startWatchdog({
    maintenance,
    expireBatch: async (batchId) => {
      const expired = await batchStore.closeConversations(batchId, 'expired');
      metrics.conversations.inc({ result: 'expired' }, expired);
      return expired;
    },
    dropStaging: (batchId, runId) => dropStaging(redis, keys, batchId, runId),
    turnQueue,
    logger,
    now,
    intervalMs: config.watchdogIntervalMs,
  });
  const webhooks = await startWebhooks({
    services,
    metrics,
    logger,
    now,
    random,
    resolve: deps.resolveWebhookHost,
  });
  const authPause = await maintenance.authPause().catch(() => undefined);
  if (authPause) {
    logger.error(
      authPause,
      'the queue is paused since the vendor refused the API key; after fixing SIGMAMIND_API_KEY run: chatbatch resume <batch>',
    );
  }
  logger.info(
    {
      concurrency: config.concurrency,
      rateLimit: config.rateLimit,
      adaptive: config.adaptive,
      ...(pacer?.active ? { pacedRate: Math.round(pacer.rate * 10) / 10 } : {}),
      prefix: config.prefix,
    },
    'worker started',
  );

  return {
    metrics,
    metricsPort: metricsServer?.port,
    async close() {
      watchdog.stop();
      await Promise.all([worker.close(), webhooks.close(), adaptive.stop()]);
      await Promise.allSettled([client.close(), metricsServer?.close()]);
    },
  };
}
