import { Queue, Worker } from 'bullmq';
import { Registry } from 'prom-client';
import type { Config } from '../shared/config.js';
import { QUEUE_NAME, makeKeys } from '../shared/keys.js';
import type { Logger } from '../shared/logger.js';
import { createMetrics, type Metrics } from '../shared/metrics.js';
import { startMetricsServer } from '../shared/metrics-server.js';
import { queueDepthCollector } from '../shared/queue-depth.js';
import { createRedis, safeRedisUrl, waitForRedis } from '../shared/redis.js';
import { createTurnStore } from '../store/turn-store.js';
import { createTurnQueue, BACKOFF_TYPE } from '../shared/turn-queue.js';
import { sleep } from '../shared/clock.js';
import { createChatsClient } from '../vendor/chats-client.js';
import { backoffDelayMs } from './retry-policy.js';
import { RetryableTurnError } from './retryable-turn-error.js';
import { createTurnProcessor } from './turn-processor.js';
import { createCredentialGuard } from './credential-guard.js';
import { startWatchdog } from './watchdog.js';
import { createMaintenanceStore } from '../store/maintenance-store.js';
import { createBatchStore } from '../store/batch-store.js';
import { rateLimiterWindow } from './rate-limiter-window.js';

export interface RunningWorker {
  readonly metrics: Metrics;
  readonly metricsPort: number | undefined;
  /** Stops taking work, lets in-flight turns finish (bounded by the request timeout), closes. */
  close(): Promise<void>;
}

/**
 * Margin before another attempt of the same turn may start: an attempt lasts at most twice the
 * request timeout (headers, then a body that stalls; see the Chats client), plus this for clock
 * skew between worker hosts and the time to record a reply.
 */
const LEASE_MARGIN_MS = 2000;

/** With no configured rate limit the limiter still needs a max for the 429 path. */
const UNLIMITED_STARTS_PER_SECOND = 1_000_000;

export async function startWorker(deps: {
  config: Config;
  logger: Logger;
  /** Serve /metrics on config.metricsPort (false in tests that read the registry directly). */
  serveMetrics?: boolean;
  now?: () => number;
  random?: () => number;
}): Promise<RunningWorker> {
  const { config, logger } = deps;
  const now = deps.now ?? Date.now;
  const random = deps.random ?? Math.random;
  if (!config.sigmamindApiKey) throw new Error('SIGMAMIND_API_KEY: required by the worker');

  const keys = makeKeys(config.prefix);
  const redis = createRedis(config.redisUrl, 'worker');
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  // BullMQ objects built while Redis is down give up for good; so wait for Redis first (ioredis
  // keeps retrying), then build them. Later outages are ridden out by ioredis and BullMQ.
  await waitForRedis(redis, logger, safeRedisUrl(config.redisUrl));
  const turnQueue = createTurnQueue({ connection: redis, keys });
  const rateLimitQueue = new Queue(QUEUE_NAME, { connection: redis, prefix: keys.bullPrefix });
  // Connection trouble is logged once, by the connection's own handler above.
  rateLimitQueue.on('error', () => undefined);
  turnQueue.queue.on('error', () => undefined);
  const registry = new Registry();
  const metrics = createMetrics(registry, {
    collectQueueJobs: queueDepthCollector(turnQueue.queue, now),
  });
  const client = createChatsClient({
    baseUrl: config.sigmamindBaseUrl,
    apiKey: config.sigmamindApiKey,
    timeoutMs: config.requestTimeoutMs,
    connections: config.concurrency,
  });

  const maintenance = createMaintenanceStore({ redis, keys });
  const credentials = createCredentialGuard({
    queue: rateLimitQueue,
    maintenance,
    metrics,
    logger,
    now,
  });
  const processTurn = createTurnProcessor({
    credentials,
    store: createTurnStore({ redis, keys, retentionSeconds: config.retentionSeconds }),
    addNextTurn: (b, c, k) => turnQueue.addNextTurn(b, c, k),
    createChat: (request) => client.createChat(request),
    rateLimitQueue: (ms) => rateLimitQueue.rateLimit(ms),
    metrics,
    logger,
    now,
    random,
    sleep,
    maxAttempts: config.maxAttempts,
    backoffMs: config.backoffMs,
    leaseMs: 2 * config.requestTimeoutMs + LEASE_MARGIN_MS,
  });

  const worker = new Worker(QUEUE_NAME, processTurn, {
    connection: redis,
    prefix: keys.bullPrefix,
    concurrency: config.concurrency,
    limiter: rateLimiterWindow(config.rateLimit || UNLIMITED_STARTS_PER_SECOND),
    lockDuration: config.stalledIntervalMs,
    stalledInterval: config.stalledIntervalMs,
    maxStalledCount: 1000,
    // Bounds a turn that keeps meeting 429s; the store's attempt count bounds it first.
    maxStartedAttempts: config.maxAttempts * 4 + 10,
    removeOnComplete: { count: 0 },
    removeOnFail: { count: 0 },
    settings: {
      backoffStrategy: (attemptsMade: number, type?: string, error?: Error) => {
        if (type !== BACKOFF_TYPE) return 0;
        const turnError = error instanceof RetryableTurnError ? error : undefined;
        return backoffDelayMs({
          attempt: turnError?.attempt ?? attemptsMade,
          baseMs: config.backoffMs,
          random,
          retryAfterMs: turnError?.retryAfterMs,
        });
      },
    },
  });
  worker.on('error', (error) => logger.error({ err: error.message }, 'worker error'));
  worker.on('failed', (job, error) => {
    // Retried attempts are expected (and counted in metrics); permanent failures are logged
    // by the processor with their conversation. Anything else is a bug or a Redis problem.
    if (error instanceof RetryableTurnError)
      logger.debug({ jobId: job?.id, err: error.message }, 'attempt failed, will retry');
    else if (error.name !== 'UnrecoverableError')
      logger.error({ jobId: job?.id, err: error.message }, 'turn job failed unexpectedly');
  });

  const batchStore = createBatchStore({
    redis,
    keys,
    now,
    retentionSeconds: config.retentionSeconds,
  });
  const watchdog = startWatchdog({
    maintenance,
    expireBatch: async (batchId) => {
      const expired = await batchStore.closeConversations(batchId, 'expired');
      metrics.conversations.inc({ result: 'expired' }, expired);
      return expired;
    },
    turnQueue,
    logger,
    now,
    intervalMs: config.watchdogIntervalMs,
  });
  const authPause = await maintenance.authPause().catch(() => undefined);
  if (authPause) {
    logger.error(
      authPause,
      'the queue is paused since the vendor refused the API key; after fixing SIGMAMIND_API_KEY run: chatbatch resume <batch>',
    );
  }

  let metricsServer: Awaited<ReturnType<typeof startMetricsServer>> | undefined;
  if (deps.serveMetrics !== false) {
    metricsServer = await startMetricsServer(registry, config.metricsPort);
    logger.info({ port: metricsServer.port }, 'metrics at /metrics');
  }
  logger.info(
    { concurrency: config.concurrency, rateLimit: config.rateLimit, prefix: config.prefix },
    'worker started',
  );

  return {
    metrics,
    metricsPort: metricsServer?.port,
    async close() {
      watchdog.stop();
      await worker.close();
      await Promise.allSettled([
        turnQueue.close(),
        rateLimitQueue.close(),
        client.close(),
        metricsServer?.close(),
      ]);
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
