import type { Command } from 'commander';
import { resultLines } from '../producer/results-export.js';
import { configFrom, openProducer } from './context.js';
import { CliError } from './exit-codes.js';
import { exportFormat, withExportOptions, writeExport, type ExportFlags } from './export-output.js';

export function registerResults(program: Command): void {
  withExportOptions(
    program
      .command('results')
      .description('one record per turn, in input order')
      .argument('<batch>', 'batch id'),
  ).action(async (batchId: string, flags: ExportFlags) => {
    const { format, csv } = exportFormat(flags);
    const context = await openProducer(configFrom());
    try {
      if (!(await context.batchStore.status(batchId)))
        throw new CliError(`no such batch: ${batchId}`);
      await writeExport(resultLines(context.batchStore.results(batchId), format, csv), flags.out);
    } finally {
      await context.close();
    }
  });
}
