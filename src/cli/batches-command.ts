import type { Command } from 'commander';
import type { BatchStatus } from '../shared/records.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { plural, TERMINAL_COLUMNS } from './status-format.js';

interface BatchesFlags {
  limit: string;
  offset: string;
  json?: boolean;
}

/** Widths of the fixed columns of the table; the batch id takes what is left of 80. */
const COLUMNS = [
  { title: 'STATE', width: 9, align: 'left' },
  { title: 'CONVERSATIONS', width: 13, align: 'right' },
  { title: 'FINISHED', width: 9, align: 'right' },
  { title: 'FAILED', width: 7, align: 'right' },
  { title: 'CREATED (UTC)', width: 16, align: 'left' },
] as const;

const BATCH_WIDTH =
  TERMINAL_COLUMNS - COLUMNS.reduce((sum, column) => sum + column.width + 1, 0) - 1;

function cell(text: string, width: number, align: 'left' | 'right'): string {
  const cut = text.length > width ? `${text.slice(0, width - 1)}…` : text;
  return align === 'left' ? cut.padEnd(width) : cut.padStart(width);
}

/** One batch a line, within 80 columns: id, state, counts, when it was created. */
export function formatBatchTable(batches: readonly BatchStatus[]): string {
  const lines = [
    [cell('BATCH', BATCH_WIDTH, 'left'), ...COLUMNS.map((c) => cell(c.title, c.width, c.align))]
      .join(' ')
      .trimEnd(),
  ];
  for (const s of batches) {
    const c = s.conversations;
    const finished = c.total - c.pending - c.active;
    const created = s.createdAt ? s.createdAt.slice(0, 16).replace('T', ' ') : '-';
    const values = [s.state, c.total, finished, c.failed, created].map((v) =>
      typeof v === 'number' ? v.toLocaleString('en-US') : v,
    );
    lines.push(
      [
        cell(s.batchId, BATCH_WIDTH, 'left'),
        ...COLUMNS.map((column, i) => cell(values[i]!, column.width, column.align)),
      ]
        .join(' ')
        .trimEnd(),
    );
  }
  return lines.join('\n');
}

function count(flag: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new CliError(`${flag}: must be a whole number from ${min} to ${max}`, EXIT.usage);
  return n;
}

export function registerBatches(program: Command): void {
  program
    .command('batches')
    .description('list batches, newest first: id, state, counts, created')
    .option('--limit <n>', 'how many (1-500)', '50')
    .option('--offset <n>', 'skip this many of the newest', '0')
    .option('--json', 'print {batches, total, offset, limit, nextOffset} as the API does')
    .action(async (flags: BatchesFlags) => {
      const limit = count('--limit', flags.limit, 1, 500);
      const offset = count('--offset', flags.offset, 0, Number.MAX_SAFE_INTEGER);
      const context = await openProducer(configFrom());
      try {
        const { batchIds, total } = await context.batchStore.list(offset, limit);
        const statuses = (
          await Promise.all(batchIds.map((id) => context.batchStore.status(id)))
        ).filter((status) => status !== undefined);
        const end = offset + batchIds.length;
        if (flags.json) {
          const nextOffset = end < total ? end : null;
          process.stdout.write(
            `${JSON.stringify({ batches: statuses, total, offset, limit, nextOffset })}\n`,
          );
          return;
        }
        if (total === 0) {
          process.stdout.write('no batches yet\n');
          return;
        }
        process.stdout.write(`${formatBatchTable(statuses)}\n`);
        if (end < total || offset > 0) {
          process.stdout.write(
            `(${offset + 1}–${end} of ${plural(total, 'batch', 'batches')}; --offset ${end} for more)\n`,
          );
        }
      } finally {
        await context.close();
      }
    });
}
