import type { Command } from 'commander';
import { assertCanWork, startWorker } from '../worker/start-worker.js';
import { startScheduleRunner } from '../producer/schedules/schedule-runner.js';
import { openServices } from '../services.js';
import { cliLogger, configFrom } from './context.js';
import { CliError } from './exit-codes.js';
import { untilStopSignal } from './graceful-stop.js';

/** What `worker --help` lists: the environment a worker reads (flags override two of them). */
const WORKER_ENVIRONMENT = `
Environment (docs/reference/configuration.md lists every variable):
  SIGMAMIND_API_KEY             required: the vendor API key (X-API-Key)
  SIGMAMIND_BASE_URL            vendor URL (default https://api.sigmamind.ai)
  REDIS_URL                     Redis shared by all workers
                                (default redis://127.0.0.1:6379)
  CHATBATCH_PREFIX              namespace of keys and queues (default chatbatch)
  CHATBATCH_CONCURRENCY         in-flight requests in this process (default 50)
  CHATBATCH_RATE_LIMIT          starts per second, all workers (default 0: none)
  CHATBATCH_MAX_ATTEMPTS        attempts per turn (default 5)
  CHATBATCH_BACKOFF_MS          base of the retry backoff (default 1000)
  CHATBATCH_REQUEST_TIMEOUT_MS  per attempt (default 30000)
  METRICS_PORT                  /metrics port (default 9464); each worker on a
                                host needs its own, or 0 (any free port, logged)
  LOG_LEVEL                     fatal, error, warn, info (default), debug, trace

Under a process manager, run node_modules/.bin/chatbatch worker (in a checkout:
node dist/cli/main.js worker), not npx, so that signals reach the worker itself.`;

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process turns (and fire schedules) until SIGTERM/SIGINT')
    .addHelpText('after', WORKER_ENVIRONMENT)
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
      try {
        assertCanWork(config);
      } catch (error) {
        throw new CliError((error as Error).message);
      }
      const logger = cliLogger(config);
      const services = await openServices(config, 'worker', { logger });
      let worker: Awaited<ReturnType<typeof startWorker>>;
      try {
        worker = await startWorker({ services, logger });
      } catch (error) {
        // E.g. METRICS_PORT taken: stop before any turn was taken, with the reason.
        await services.close();
        const reason =
          (error as NodeJS.ErrnoException).code === 'EADDRINUSE'
            ? `METRICS_PORT ${config.metricsPort} is in use (another worker on this host?): give each worker its own METRICS_PORT, or 0 for any free port`
            : (error as Error).message;
        throw new CliError(`cannot start the worker: ${reason}`);
      }
      // Every worker process also fires recurring schedules (whichever takes a firing ingests it).
      const schedules = startScheduleRunner({
        connection: services.redis,
        bullPrefix: services.keys.bullPrefix,
        schedules: services.schedules,
        ingest: services.ingestDeps(worker.metrics),
        logger,
      });
      // In-flight requests end within the request timeout; allow that plus time to record.
      await untilStopSignal(
        logger,
        async () => {
          await Promise.all([worker.close(), schedules.close()]);
          await services.close();
        },
        config.requestTimeoutMs + 10_000,
      );
    });
}
