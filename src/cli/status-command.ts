import type { Command } from 'commander';
import type { BatchStatus } from '../shared/records.js';
import { isSettled } from '../store/batch-status.js';
import { sleep } from '../shared/clock.js';
import {
  isTransientRedisError,
  retryTransient,
  type RetryTransientOptions,
} from '../shared/redis-retry.js';
import { configFrom, openProducer, openProducerRetrying, type ProducerContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { createProgress } from './progress.js';
import { formatStatus } from './status-format.js';

interface StatusFlags {
  json?: boolean;
  wait?: boolean;
  watch?: boolean;
  timeout?: string;
}

const POLL_MS = 500;

const finishedConversations = (s: BatchStatus) =>
  s.conversations.total - s.conversations.pending - s.conversations.active;

/**
 * How `--wait`/`--watch` ride out a Redis restart: they retry until their own deadline
 * (`--timeout`, else for as long as they would wait for the batch), saying so once on stderr.
 */
function pollerRetry(deadline: number): Omit<RetryTransientOptions, 'isTransient'> {
  return {
    deadline,
    onOutage: (error) =>
      process.stderr.write(
        `chatbatch: Redis is not answering (${error instanceof Error ? error.message : String(error)}); ` +
          `retrying${Number.isFinite(deadline) ? ' until the --timeout' : ''}…\n`,
      ),
    onRecovered: (ms) =>
      process.stderr.write(`chatbatch: Redis answers again (after ${(ms / 1000).toFixed(1)} s)\n`),
  };
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('counts of a batch; --wait blocks until nothing is pending or active')
    .argument('<batch>', 'batch id')
    .option('--json', 'print the status as JSON')
    .option(
      '--wait',
      'wait until nothing in the batch is pending or active (rides out Redis restarts)',
    )
    .option('--watch', 'wait with a live progress bar')
    .option('--timeout <seconds>', 'give up waiting after this many seconds (exit 124)')
    .action(async (batchId: string, flags: StatusFlags) => {
      const timeoutS = flags.timeout === undefined ? undefined : Number(flags.timeout);
      if (timeoutS !== undefined && !(timeoutS >= 0)) {
        throw new CliError('--timeout: must be a number of seconds', EXIT.usage);
      }
      const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
      const waiting = Boolean(flags.wait || flags.watch);
      const retry = pollerRetry(deadline);
      // A one-shot status fails fast; a waiting one is a poller and waits Redis out.
      const context: ProducerContext = waiting
        ? await openProducerRetrying(configFrom(), retry)
        : await openProducer(configFrom());
      const read = async (): Promise<BatchStatus | undefined> => {
        if (!waiting) return context.batchStore.status(batchId);
        try {
          return await retryTransient(() => context.batchStore.status(batchId), retry);
        } catch (error) {
          if (!isTransientRedisError(error)) throw error;
          throw new CliError(
            `Redis did not answer again before the --timeout: ${(error as Error).message}`,
          );
        }
      };
      try {
        const progress = flags.watch
          ? createProgress('finished', { intervalMs: 2000, unit: 'conversation' })
          : undefined;
        let status = await read();
        if (!status) throw new CliError(`no such batch: ${batchId}`);
        while (waiting && !isSettled(status) && Date.now() < deadline) {
          progress?.update(finishedConversations(status), status.conversations.total);
          await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
          status = (await read()) ?? status;
        }
        if (progress) {
          progress.update(finishedConversations(status), status.conversations.total);
          progress.stop();
        }
        process.stdout.write(
          flags.json ? `${JSON.stringify(status)}\n` : `${formatStatus(status)}\n`,
        );
        if (!isSettled(status)) {
          if (waiting) process.exitCode = EXIT.timeout;
        } else if (status.conversations.failed > 0) {
          process.exitCode = EXIT.doneWithFailures;
        }
      } finally {
        await context.close();
      }
    });
}
