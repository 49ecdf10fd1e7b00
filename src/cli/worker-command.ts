import type { Command } from 'commander';
import { assertCanWork, startWorker } from '../worker/start-worker.js';
import { startScheduleRunner } from '../producer/schedules/schedule-runner.js';
import { openServices } from '../services.js';
import { cliLogger, configFrom } from './context.js';
import { CliError } from './exit-codes.js';
import { untilStopSignal } from './graceful-stop.js';

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
