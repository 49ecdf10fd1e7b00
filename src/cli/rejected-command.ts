import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { rejectedLines } from '../producer/rejected-export.js';
import type { ResultFormat } from '../producer/results-export.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { REJECTED_STORE_LIMITS } from '../store/rejected-store.js';

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export function registerRejected(program: Command): void {
  program
    .command('rejected')
    .description('the rows an ingest rejected, kept with the batch (never the input text)')
    .argument('<batch>', 'batch id')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--out <file>', 'write to a file instead of stdout')
    .action(async (batchId: string, flags: { format: string; out?: string }) => {
      if (flags.format !== 'jsonl' && flags.format !== 'csv') {
        throw new CliError('--format: must be jsonl or csv', EXIT.usage);
      }
      const context = await openProducer(configFrom());
      try {
        if (!(await context.batchStore.status(batchId)))
          throw new CliError(`no such batch: ${batchId}`);
        const kept = await context.rejectedStore.read(batchId);
        const out: Writable = flags.out ? createWriteStream(flags.out) : process.stdout;
        for (const chunk of rejectedLines(kept?.rows ?? [], flags.format as ResultFormat))
          await write(out, chunk);
        if (flags.out) {
          out.end();
          await once(out, 'finish');
        }
        const omitted = kept?.omitted;
        if (omitted && omitted.count > 0) {
          const byError = Object.entries(omitted.errorCounts)
            .map(([message, n]) => `  ${n} × ${message}`)
            .join('\n');
          process.stderr.write(
            `${omitted.count} more rejected rows were only counted (a batch keeps its first ${REJECTED_STORE_LIMITS.rows.toLocaleString('en-US')}):\n${byError}\n`,
          );
        }
      } finally {
        await context.close();
      }
    });
}
