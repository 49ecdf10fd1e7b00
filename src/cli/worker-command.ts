import type { Command } from 'commander';
import { startWorker } from '../worker/start-worker.js';
import { startScheduleRunner } from '../producer/schedules/schedule-runner.js';
import { createScheduleService } from '../producer/schedules/schedule-service.js';
import { makeKeys } from '../shared/keys.js';
import { createRedis, safeRedisUrl, waitForRedis } from '../shared/redis.js';
import { createBatchStore } from '../store/batch-store.js';
import { createTurnQueue } from '../shared/turn-queue.js';
import type { Config } from '../shared/config.js';
import type { Logger } from '../shared/logger.js';
import type { Metrics } from '../shared/metrics.js';
import { cliLogger, configFrom } from './context.js';
import { CliError } from './exit-codes.js';
import { untilStopSignal } from './graceful-stop.js';

/** Every worker process also fires recurring schedules (whichever takes a firing ingests it). */
async function startSchedules(config: Config, logger: Logger, metrics: Metrics) {
  const redis = createRedis(config.redisUrl, 'worker');
  redis.on('error', () => undefined); // the turn worker's connection logs Redis trouble
  await waitForRedis(redis, logger, safeRedisUrl(config.redisUrl));
  const keys = makeKeys(config.prefix);
  const schedules = createScheduleService({ redis, keys, connection: redis });
  const turnQueue = createTurnQueue({ connection: redis, keys });
  turnQueue.queue.on('error', () => undefined);
  schedules.queue.on('error', () => undefined);
  const runner = startScheduleRunner({
    connection: redis,
    bullPrefix: keys.bullPrefix,
    schedules,
    ingest: {
      redis,
      keys,
      batchStore: createBatchStore({
        redis,
        keys,
        now: Date.now,
        retentionSeconds: config.retentionSeconds,
      }),
      turnQueue,
      metrics,
      retentionSeconds: config.retentionSeconds,
    },
    logger,
  });
  return async () => {
    await runner.close();
    await Promise.allSettled([schedules.close(), turnQueue.close()]);
    await redis.quit().catch(() => redis.disconnect());
  };
}

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process turns (and fire schedules) until SIGTERM/SIGINT')
    .option('--concurrency <n>', 'in-flight requests in this process (CHATBATCH_CONCURRENCY)')
    .option(
      '--rate-limit <r>',
      'request starts per second across all workers (CHATBATCH_RATE_LIMIT)',
    )
    .action(async (flags: { concurrency?: string; rateLimit?: string }) => {
      const config = configFrom({
        CHATBATCH_CONCURRENCY: flags.concurrency,
        CHATBATCH_RATE_LIMIT: flags.rateLimit,
      });
      if (!config.sigmamindApiKey) {
        throw new CliError('SIGMAMIND_API_KEY: required by the worker (the vendor API key)');
      }
      const logger = cliLogger(config);
      const worker = await startWorker({ config, logger });
      const stopSchedules = await startSchedules(config, logger, worker.metrics);
      // In-flight requests end within the request timeout; allow that plus time to record.
      await untilStopSignal(
        logger,
        async () => {
          await Promise.all([worker.close(), stopSchedules()]);
        },
        config.requestTimeoutMs + 10_000,
      );
    });
}
