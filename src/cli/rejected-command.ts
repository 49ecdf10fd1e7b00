import type { Command } from 'commander';
import { rejectedLines } from '../producer/rejected-export.js';
import { configFrom, openProducer } from './context.js';
import { CliError } from './exit-codes.js';
import { REJECTED_STORE_LIMITS } from '../store/rejected-store.js';
import { exportFormat, withExportOptions, writeExport, type ExportFlags } from './export-output.js';

export function registerRejected(program: Command): void {
  withExportOptions(
    program
      .command('rejected')
      .description('the rows an ingest rejected, kept with the batch (never the input text)')
      .argument('<batch>', 'batch id'),
  ).action(async (batchId: string, flags: ExportFlags) => {
    const { format, csv } = exportFormat(flags);
    const context = await openProducer(configFrom());
    try {
      if (!(await context.batchStore.status(batchId)))
        throw new CliError(`no such batch: ${batchId}`);
      const kept = await context.rejectedStore.read(batchId);
      await writeExport(rejectedLines(kept?.rows ?? [], format, csv), flags.out);
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
