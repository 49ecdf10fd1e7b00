import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import type { Command } from 'commander';
import { readCsvRows, CsvFileError } from '../producer/csv/index.js';
import { ingestRows } from '../producer/ingest.js';
import type { IngestReport } from '../producer/ingest-report.js';
import { BATCH_ID_PATTERN, BATCH_ID_RULE } from '../shared/records.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { createProgress } from './progress.js';
import { scheduleOptions, type ScheduleFlags } from './schedule-flags.js';

interface IngestFlags extends ScheduleFlags {
  batch: string;
  agentId?: string;
  delimiter?: string;
  dryRun?: boolean;
  strict?: boolean;
  json?: boolean;
}

const MAX_LISTED_REJECTIONS = 20;

function printHuman(report: IngestReport, file: string, flags: IngestFlags): void {
  const verb = flags.dryRun
    ? 'would enqueue'
    : report.discarded
      ? 'enqueued nothing (--strict)'
      : 'enqueued';
  process.stdout.write(
    `${file} → batch ${report.batchId}: ${report.conversations} conversations, ` +
      `${report.accepted} accepted (${report.turns} turns) ${verb}, ` +
      `${report.rejected} rejected, ${report.duplicates} already in the batch\n`,
  );
  for (const row of report.rejectedRows.slice(0, MAX_LISTED_REJECTIONS)) {
    process.stdout.write(
      `  ${file}:${row.line} conversation ${row.conversationId}: ${row.errors.join('; ')}\n`,
    );
  }
  const total = report.rejectedRows.length + (report.rejectedRowsOmitted ?? 0);
  if (total > MAX_LISTED_REJECTIONS) {
    const where = report.discarded
      ? '--json lists the first 1,000'
      : `chatbatch rejected ${report.batchId} lists them`;
    process.stdout.write(
      `  … and ${total - MAX_LISTED_REJECTIONS} more rejected rows (${where})\n`,
    );
  }
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('read, validate and enqueue a CSV of conversations')
    .argument('<file>', 'CSV file (UTF-8, header row required)')
    .requiredOption('--batch <id>', 'batch id (re-running the same file and batch adds nothing)')
    .option('--agent-id <id>', 'agent for rows whose agent_id cell is empty')
    .option('--delimiter <c>', 'field delimiter', ',')
    .option('--dry-run', 'validate and report, enqueue nothing')
    .option('--strict', 'enqueue nothing if any row is rejected (exit 3)')
    .option('--json', 'print the report as JSON')
    .option('--schedule-at <iso>', 'send nothing before this time (ISO-8601 with zone)')
    .option('--expire-at <iso>', 'turns not sent by this time become expired')
    .option(
      '--window <spec>',
      'send only inside "DAYS HH:MM-HH:MM [ZONE]" of each recipient\'s time',
    )
    .action(async (file: string, flags: IngestFlags) => {
      const schedule = scheduleOptions(flags, Date.now());
      if (!BATCH_ID_PATTERN.test(flags.batch)) {
        throw new CliError(`--batch: must be ${BATCH_ID_RULE}`, EXIT.usage);
      }
      if (flags.delimiter !== undefined && [...flags.delimiter].length !== 1) {
        throw new CliError('--delimiter: must be exactly one character', EXIT.usage);
      }
      const config = configFrom();
      try {
        await access(file);
      } catch (error) {
        throw new CliError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      const context = await openProducer(config);
      const progress = flags.json ? undefined : createProgress('rows read');
      try {
        const rows = readCsvRows(createReadStream(file), {
          delimiter: flags.delimiter,
          defaultAgentId: flags.agentId,
          source: file,
        });
        const report = await ingestRows(context.ingestDeps(), rows, {
          batchId: flags.batch,
          agentId: flags.agentId,
          dryRun: flags.dryRun,
          strict: flags.strict,
          ...schedule,
          onProgress: (n) => progress?.update(n),
        });
        progress?.stop();
        if (flags.json) {
          const { discarded: _discarded, ...contractShape } = report;
          process.stdout.write(`${JSON.stringify(contractShape)}\n`);
        } else {
          printHuman(report, file, flags);
        }
        if (flags.strict && report.rejected > 0) process.exitCode = EXIT.strictRejected;
      } catch (error) {
        progress?.stop();
        if (error instanceof CsvFileError) throw new CliError(error.message);
        throw error;
      } finally {
        await context.close();
      }
    });
}
