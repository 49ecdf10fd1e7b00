import type { Command } from 'commander';
import { startWorker } from '../worker/start-worker.js';
import { cliLogger, configFrom } from './context.js';
import { CliError } from './exit-codes.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('process turns until SIGTERM/SIGINT')
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
      if (!config.sigmamindApiKey)
        throw new CliError('SIGMAMIND_API_KEY: required by the worker (the vendor API key)');
      const logger = cliLogger(config);
      const worker = await startWorker({ config, logger });
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string) => {
          if (stopping) return;
          stopping = true;
          logger.info({ signal }, 'stopping: finishing in-flight turns');
          worker
            .close()
            .then(() => logger.info('worker stopped'))
            .catch((error: Error) => logger.error({ err: error.message }, 'error while stopping'))
            .finally(resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
    });
}
