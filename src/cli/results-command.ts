import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { resultLines, type ResultFormat } from '../producer/results-export.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export function registerResults(program: Command): void {
  program
    .command('results')
    .description('one record per turn, in input order')
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
        const out: Writable = flags.out ? createWriteStream(flags.out) : process.stdout;
        for await (const chunk of resultLines(
          context.batchStore.results(batchId),
          flags.format as ResultFormat,
        )) {
          await write(out, chunk);
        }
        if (flags.out) {
          out.end();
          await once(out, 'finish');
        }
      } finally {
        await context.close();
      }
    });
}
