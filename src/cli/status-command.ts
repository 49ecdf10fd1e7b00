import type { Command } from 'commander';
import type { BatchStatus } from '../shared/records.js';
import { isSettled } from '../store/batch-status.js';
import { sleep } from '../shared/clock.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { createProgress } from './progress.js';

interface StatusFlags {
  json?: boolean;
  wait?: boolean;
  watch?: boolean;
  timeout?: string;
}

const POLL_MS = 500;

export function formatStatus(s: BatchStatus): string {
  const c = s.conversations;
  const t = s.turns;
  return [
    `batch ${s.batchId}: ${s.state}${s.scheduledAt ? ` (scheduled for ${s.scheduledAt})` : ''}` +
      `, priority ${s.priority}${s.weight !== 1 ? ` (weight ${s.weight})` : ''}`,
    `  conversations ${c.total}: ${c.pending} pending, ${c.active} active, ${c.completed} completed, ${c.ended} ended, ${c.failed} failed, ${c.cancelled} cancelled, ${c.expired} expired`,
    `  turns ${t.total}: ${t.pending} pending, ${t.completed} completed, ${t.failed} failed, ${t.skipped} skipped, ${t.cancelled} cancelled, ${t.expired} expired`,
    `  created ${s.createdAt ?? '-'}${s.finishedAt ? `, finished ${s.finishedAt}` : ''}`,
  ].join('\n');
}

const finishedConversations = (s: BatchStatus) =>
  s.conversations.total - s.conversations.pending - s.conversations.active;

export function registerStatus(program: Command): void {
  program
    .command('status')
    .description('counts of a batch; --wait blocks until nothing is pending or active')
    .argument('<batch>', 'batch id')
    .option('--json', 'print the status as JSON')
    .option('--wait', 'wait until nothing in the batch is pending or active')
    .option('--watch', 'wait with a live progress bar')
    .option('--timeout <seconds>', 'give up waiting after this many seconds (exit 124)')
    .action(async (batchId: string, flags: StatusFlags) => {
      const timeoutS = flags.timeout === undefined ? undefined : Number(flags.timeout);
      if (timeoutS !== undefined && !(timeoutS >= 0)) {
        throw new CliError('--timeout: must be a number of seconds', EXIT.usage);
      }
      const context = await openProducer(configFrom());
      try {
        const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000;
        const waiting = flags.wait || flags.watch;
        const progress = flags.watch
          ? createProgress('conversations finished', { intervalMs: 2000 })
          : undefined;
        let status = await context.batchStore.status(batchId);
        if (!status) throw new CliError(`no such batch: ${batchId}`);
        while (waiting && !isSettled(status) && Date.now() < deadline) {
          progress?.update(finishedConversations(status), status.conversations.total);
          await sleep(Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
          status = (await context.batchStore.status(batchId)) ?? status;
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
