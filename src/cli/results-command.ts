import type { Command } from 'commander';
import { resultLines } from '../producer/results-export.js';
import { registerExport, writeExport } from './export-output.js';

export function registerResults(program: Command): void {
  registerExport(
    program,
    'results',
    'one record per turn, in input order',
    async (context, batchId, { format, csv, outFile }) =>
      writeExport(resultLines(context.batchStore.results(batchId), format, csv), outFile),
  );
}
