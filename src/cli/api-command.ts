import type { Command } from 'commander';
import { Registry } from 'prom-client';
import { ApiStartError, assertCanStart, buildApp } from '../producer/api/app.js';
import { createMetrics } from '../shared/metrics.js';
import { queueDepthCollector } from '../shared/queue-depth.js';
import { safeRedisUrl } from '../shared/redis.js';
import { openServices } from '../services.js';
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
      try {
        assertCanStart(config, flags.insecureNoAuth);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const logger = cliLogger(config);
      // Starts even without Redis: the API answers 503 (and /readyz says so) until it is back.
      const services = await openServices(config, 'api', { logger });
      const metrics = createMetrics(new Registry(), {
        collectQueueJobs: queueDepthCollector(services.turnQueue.queue, Date.now),
      });
      let app: Awaited<ReturnType<typeof buildApp>>;
      try {
        app = await buildApp({
          config,
          services,
          metrics,
          logger,
          insecureNoAuth: flags.insecureNoAuth,
        });
        await app.listen({ port: config.apiPort, host: flags.host });
      } catch (error) {
        await services.close();
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
          } finally {
            await services.close();
          }
        },
        15_000,
      );
    });
}
