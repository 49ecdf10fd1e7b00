import type { Command } from 'commander';
import { configFrom, openProducer } from './context.js';
import { CliError } from './exit-codes.js';

/** `chatbatch webhooks retry|failed <batch>`: the batch's webhook events that failed for good. */
export function registerWebhooks(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('webhook events of a batch that failed for good (max age reached, or refused)');

  webhooks
    .command('retry')
    .description("send a batch's failed webhook events again (same webhook-id and body)")
    .argument('<batch>', 'batch id')
    .option('--json', 'print the result as JSON')
    .action(async (batchId: string, flags: { json?: boolean }) => {
      const context = await openProducer(configFrom());
      try {
        if (!(await context.batchStore.status(batchId)))
          throw new CliError(`no such batch: ${batchId}`);
        const resent = await context.failedWebhooks.retry(batchId);
        process.stdout.write(
          flags.json
            ? `${JSON.stringify({ batchId, resent })}\n`
            : `webhooks retry: ${resent} failed event${resent === 1 ? '' : 's'} of batch ${batchId} queued again\n`,
        );
      } finally {
        await context.close();
      }
    });

  webhooks
    .command('failed')
    .description("list a batch's failed webhook events and why they failed")
    .argument('<batch>', 'batch id')
    .option('--json', 'print one JSON object per event (without the body)')
    .action(async (batchId: string, flags: { json?: boolean }) => {
      const context = await openProducer(configFrom());
      try {
        if (!(await context.batchStore.status(batchId)))
          throw new CliError(`no such batch: ${batchId}`);
        const events = await context.failedWebhooks.list(batchId);
        for (const event of events) {
          const summary = {
            id: event.id,
            type: event.type,
            at: new Date(event.at).toISOString(),
            failedAt: event.failedAt,
            attempts: event.attempts,
            reason: event.reason,
          };
          process.stdout.write(
            flags.json
              ? `${JSON.stringify(summary)}\n`
              : `${summary.id} ${summary.type} at ${summary.at}: failed ${summary.failedAt} after ${summary.attempts} attempts: ${summary.reason}\n`,
          );
        }
        if (!flags.json && events.length === 0)
          process.stdout.write(`batch ${batchId} has no failed webhook events\n`);
      } finally {
        await context.close();
      }
    });
}
