import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { ApiStartError, buildApp } from '../producer/api/app.js';
import { makeKeys } from '../shared/keys.js';
import { createMetrics } from '../shared/metrics.js';
import { queueDepthCollector } from '../shared/queue-depth.js';
import { connectRedis, createRedis, safeRedisUrl } from '../shared/redis.js';
import { createBatchStore } from '../store/batch-store.js';
import { createMaintenanceStore } from '../store/maintenance-store.js';
import { createTurnQueue } from '../shared/turn-queue.js';
import { cliLogger, configFrom } from './context.js';
import { CliError } from './exit-codes.js';
import { untilStopSignal } from './graceful-stop.js';

interface ApiFlags {
  port?: string;
  host: string;
  insecureNoAuth?: boolean;
  jsonLimitMb?: string;
  csvLimitMb?: string;
}

/** Connection errors repeat every retry while Redis is away: log one per this many ms. */
const REDIS_ERROR_LOG_MS = 10_000;

export function registerApi(program: Command): void {
  program
    .command('api')
    .description('the producer HTTP API (OpenAPI UI at /docs)')
    .option('--port <p>', 'port (API_PORT, default 3000)')
    .option('--host <h>', 'interface to listen on', '0.0.0.0')
    .option('--insecure-no-auth', 'serve without CHATBATCH_API_TOKENS (anyone may call it)')
    .option('--json-limit-mb <n>', 'largest JSON body (CHATBATCH_API_JSON_LIMIT_MB, default 10)')
    .option('--csv-limit-mb <n>', 'largest CSV upload (CHATBATCH_API_CSV_LIMIT_MB, default 200)')
    .action(async (flags: ApiFlags) => {
      const config = configFrom({
        API_PORT: flags.port,
        CHATBATCH_API_JSON_LIMIT_MB: flags.jsonLimitMb,
        CHATBATCH_API_CSV_LIMIT_MB: flags.csvLimitMb,
      });
      if (config.apiTokens.length === 0 && !flags.insecureNoAuth) {
        throw new CliError(
          'CHATBATCH_API_TOKENS: set at least one token (comma-separated), or start with --insecure-no-auth',
        );
      }
      const logger = cliLogger(config);
      const keys = makeKeys(config.prefix);
      const redis = createRedis(config.redisUrl, 'producer');
      let lastErrorLog = 0;
      redis.on('error', (error: Error) => {
        if (Date.now() - lastErrorLog < REDIS_ERROR_LOG_MS) return;
        lastErrorLog = Date.now();
        logger.warn({ err: error.message }, 'Redis connection error');
      });
      // Start even without Redis: the API answers 503 (and /readyz says so) until it is back.
      await connectRedis(redis, config.redisUrl).catch((error: Error) =>
        logger.warn({ err: error.message }, 'Redis unreachable; answering 503 until it is back'),
      );
      const turnQueue = createTurnQueue({ connection: redis, keys });
      turnQueue.queue.on('error', () => undefined); // reported by the connection's handler
      const metrics = createMetrics(new Registry(), {
        collectQueueJobs: queueDepthCollector(turnQueue.queue, Date.now),
      });
      let app: Awaited<ReturnType<typeof buildApp>>;
      try {
        app = await buildApp({
          config,
          redis,
          keys,
          batchStore: createBatchStore({
            redis,
            keys,
            now: Date.now,
            retentionSeconds: config.retentionSeconds,
          }),
          turnQueue,
          maintenance: createMaintenanceStore({ redis, keys }),
          metrics,
          logger,
          insecureNoAuth: flags.insecureNoAuth,
        });
        await app.listen({ port: config.apiPort, host: flags.host });
      } catch (error) {
        await turnQueue.close().catch(() => undefined);
        redis.disconnect();
        if (error instanceof ApiStartError) throw new CliError(error.message);
        throw new CliError(`cannot start the API: ${(error as Error).message}`);
      }
      logger.info(
        { redis: safeRedisUrl(config.redisUrl), prefix: config.prefix },
        'chatbatch api ready (OpenAPI UI at /docs)',
      );
      await untilStopSignal(
        logger,
        async () => {
          try {
            await app.close();
            await turnQueue.close();
          } finally {
            redis.disconnect();
          }
        },
        15_000,
      );
    });
}
