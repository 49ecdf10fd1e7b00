import type { Command } from 'commander';
import {
  BatchNotFoundError,
  CONTROL_ACTIONS,
  createBatchControl,
} from '../producer/batch-control.js';
import { configFrom, openProducer } from './context.js';
import { CliError } from './exit-codes.js';
import { formatStatus, plural } from './status-format.js';

const DESCRIPTIONS: Record<string, string> = {
  cancel: 'cancel every unfinished conversation of a batch',
  pause: 'stop sending turns of a batch (in-flight turns finish)',
  resume: 'continue a paused batch',
  'retry-failed': 'send the failed turns of a batch again, with a fresh attempt budget',
};

export function registerControl(program: Command): void {
  for (const action of CONTROL_ACTIONS) {
    program
      .command(action)
      .description(DESCRIPTIONS[action]!)
      .argument('<batch>', 'batch id')
      .option('--json', 'print the result as JSON')
      .action(async (batchId: string, flags: { json?: boolean }) => {
        const context = await openProducer(configFrom());
        try {
          const control = createBatchControl({
            batchStore: context.batchStore,
            maintenance: context.maintenance,
            turnQueue: () => context.turnQueue,
          });
          const result = await control.run(action, batchId);
          if (flags.json) {
            process.stdout.write(`${JSON.stringify(result)}\n`);
          } else {
            process.stdout.write(
              `${action}: ${result.changed ? 'done' : 'nothing to change'}` +
                `${result.conversations ? ` (${plural(result.conversations, 'conversation')})` : ''}\n${formatStatus(result.status)}\n`,
            );
          }
        } catch (error) {
          if (error instanceof BatchNotFoundError) throw new CliError(error.message);
          throw error;
        } finally {
          await context.close();
        }
      });
  }
}
