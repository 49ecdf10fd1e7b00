import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { delimiterFromName } from '../producer/csv/index.js';
import { resultLines, type ResultFormat } from '../producer/results-export.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';

async function write(out: Writable, chunk: string): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

interface ResultsFlags {
  format: string;
  out?: string;
  delimiter?: string;
  bom?: boolean;
}

export function registerResults(program: Command): void {
  program
    .command('results')
    .description('one record per turn, in input order')
    .argument('<batch>', 'batch id')
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--out <file>', 'write to a file instead of stdout')
    .option(
      '--delimiter <c>',
      'CSV cell separator: one character, or \\t, tab, semicolon, pipe (default ",")',
    )
    .option('--bom', 'start the CSV with a UTF-8 byte order mark (Excel on Windows)')
    .action(async (batchId: string, flags: ResultsFlags) => {
      if (flags.format !== 'jsonl' && flags.format !== 'csv') {
        throw new CliError('--format: must be jsonl or csv', EXIT.usage);
      }
      if (flags.format !== 'csv' && (flags.delimiter !== undefined || flags.bom)) {
        throw new CliError('--delimiter and --bom apply to --format csv', EXIT.usage);
      }
      let delimiter: string | undefined;
      try {
        delimiter = flags.delimiter === undefined ? undefined : delimiterFromName(flags.delimiter);
      } catch (error) {
        throw new CliError(`--delimiter: ${(error as Error).message}`, EXIT.usage);
      }
      const context = await openProducer(configFrom());
      try {
        if (!(await context.batchStore.status(batchId)))
          throw new CliError(`no such batch: ${batchId}`);
        const out: Writable = flags.out ? createWriteStream(flags.out) : process.stdout;
        for await (const chunk of resultLines(
          context.batchStore.results(batchId),
          flags.format as ResultFormat,
          { delimiter, bom: flags.bom },
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
