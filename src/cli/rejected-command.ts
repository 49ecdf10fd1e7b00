import type { Command } from 'commander';
import { rejectedLines } from '../producer/rejected-export.js';
import { REJECTED_STORE_LIMITS } from '../store/rejected-store.js';
import { registerExport, writeExport } from './export-output.js';

export function registerRejected(program: Command): void {
  registerExport(
    program,
    'rejected',
    'the rows an ingest rejected, kept with the batch (never the input text)',
    async (context, batchId, { format, csv, outFile }) => {
      const kept = await context.rejectedStore.read(batchId);
      await writeExport(rejectedLines(kept?.rows ?? [], format, csv), outFile);
      const omitted = kept?.omitted;
      if (omitted && omitted.count > 0) {
        const byError = Object.entries(omitted.errorCounts)
          .map(([message, n]) => `  ${n} × ${message}`)
          .join('\n');
        process.stderr.write(
          `${omitted.count} more rejected rows were only counted (a batch keeps its first ${REJECTED_STORE_LIMITS.rows.toLocaleString('en-US')}):\n${byError}\n`,
        );
      }
    },
  );
}
