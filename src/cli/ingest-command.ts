import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline, Transform, type Readable } from 'node:stream';
import type { Command } from 'commander';
import {
  CsvFileError,
  CsvReadNotes,
  delimiterFromName,
  delimiterLabel,
  readCsvRows,
} from '../producer/csv/index.js';
import { ingestRows } from '../producer/ingest.js';
import type { IngestReport } from '../producer/ingest-report.js';
import { BATCH_ID_PATTERN, BATCH_ID_RULE } from '../shared/records.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { createProgress, formatBytes } from './progress.js';
import { scheduleOptions, type ScheduleFlags } from './schedule-flags.js';
import { frequencyCapFlag } from './contact-flags.js';
import { priorityFlag, weightFlag } from './lane-flags.js';
import { webhookOptions } from './webhook-flags.js';
import { plural } from './status-format.js';
import { REJECTED_ROW_LIMITS } from '../producer/rejected-rows.js';

interface IngestFlags extends ScheduleFlags {
  batch: string;
  agentId?: string;
  delimiter?: string;
  dryRun?: boolean;
  strict?: boolean;
  json?: boolean;
  frequencyCap?: string;
  priority?: string;
  weight?: string;
  webhookUrl?: string;
  webhookEvents?: string;
}

const MAX_LISTED_REJECTIONS = 20;

function printHuman(report: IngestReport, file: string, flags: IngestFlags, detected: boolean) {
  const verb = flags.dryRun
    ? 'would enqueue'
    : report.discarded
      ? 'enqueued nothing (--strict)'
      : 'enqueued';
  const out: string[] = [
    `${file} → batch ${report.batchId}: ${plural(report.conversations, 'conversation')}, ` +
      `${report.accepted} accepted (${plural(report.turns, 'turn')}) ${verb}, ` +
      `${report.rejected} rejected, ${report.duplicates} already in the batch`,
  ];
  if (report.delimiter !== undefined) {
    out.push(
      `  cells separated by ${delimiterLabel(report.delimiter)}${detected ? ' (detected from the header; --delimiter to choose)' : ''}`,
    );
  }
  for (const warning of report.warnings) out.push(`  warning: ${warning}`);
  for (const row of report.rejectedRows.slice(0, MAX_LISTED_REJECTIONS)) {
    out.push(`  ${file}:${row.line} conversation ${row.conversationId}: ${row.errors.join('; ')}`);
  }
  const total = report.rejectedRows.length + (report.rejectedRowsOmitted ?? 0);
  if (total > MAX_LISTED_REJECTIONS) {
    const where = report.discarded
      ? `--json lists the first ${REJECTED_ROW_LIMITS.reportRows.toLocaleString('en-US')}`
      : `chatbatch rejected ${report.batchId} lists them`;
    out.push(`  … and ${plural(total - MAX_LISTED_REJECTIONS, 'more rejected row')} (${where})`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

/** The file as a stream that reports how many bytes have been read so far. */
function countingReader(file: string, onBytes: (bytes: number) => void): Readable {
  let read = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      read += chunk.length;
      onBytes(read);
      done(null, chunk);
    },
  });
  // pipeline destroys the counter with a read error, so the CSV reader sees it.
  return pipeline(createReadStream(file), counter, () => undefined);
}

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('read, validate and enqueue a CSV of conversations')
    .argument('<file>', 'CSV file (UTF-8, header row required)')
    .requiredOption(
      '--batch <id>',
      '(required) batch id (re-running the same file and batch adds nothing)',
    )
    .option('--agent-id <id>', 'agent for rows whose agent_id cell is empty')
    .option(
      '--delimiter <c>',
      'cell separator: one character, or \\t, tab, comma, semicolon, pipe (default: detected from the header line)',
    )
    .option('--dry-run', 'validate and report, enqueue nothing')
    .option(
      '--strict',
      'enqueue nothing if any row is rejected (exit 3); refuse near-miss headers (exit 1)',
    )
    .option('--json', 'print the report as JSON')
    .option('--schedule-at <iso>', 'send nothing before this time (ISO-8601 with zone)')
    .option('--expire-at <iso>', 'turns not sent by this time become expired')
    .option(
      '--window <spec>',
      'send only inside "DAYS HH:MM-HH:MM [ZONE]" of each recipient\'s time',
    )
    .option(
      '--frequency-cap <N/PERIOD>',
      'at most N conversations started per recipient in PERIOD, across batches (e.g. 1/7d; "none")',
    )
    .option('--priority <lane>', "high, normal or low: the batch's lane (default normal)")
    .option('--weight <n>', 'its share within the lane, 1-100 (default 1)')
    .option('--webhook-url <url>', "POST the batch's events here (default CHATBATCH_WEBHOOK_URL)")
    .option(
      '--webhook-events <list>',
      'opt-in webhook events besides the batch ones, comma-separated: conversation.finished',
    )
    .action(async (file: string, flags: IngestFlags) => {
      const schedule = scheduleOptions(flags, Date.now());
      const frequencyCap = frequencyCapFlag(flags.frequencyCap);
      const lane = { priority: priorityFlag(flags.priority), weight: weightFlag(flags.weight) };
      if (!BATCH_ID_PATTERN.test(flags.batch)) {
        throw new CliError(`--batch: must be ${BATCH_ID_RULE}`, EXIT.usage);
      }
      let delimiter: string | undefined;
      try {
        delimiter = flags.delimiter === undefined ? undefined : delimiterFromName(flags.delimiter);
      } catch (error) {
        throw new CliError(`--delimiter: ${(error as Error).message}`, EXIT.usage);
      }
      const config = configFrom();
      const webhook = webhookOptions(flags, config);
      let size: number;
      try {
        size = (await stat(file)).size;
      } catch (error) {
        throw new CliError(
          `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        );
      }
      const context = await openProducer(config);
      const progress = flags.json
        ? undefined
        : createProgress('read', { formatValue: formatBytes, intervalMs: 2000 });
      let rowsRead = 0;
      const showProgress = (bytes: number) =>
        progress?.update(bytes, size, plural(rowsRead, 'row'));
      const notes = new CsvReadNotes();
      try {
        const rows = readCsvRows(countingReader(file, showProgress), {
          delimiter,
          defaultAgentId: flags.agentId,
          source: file,
          notes,
          strict: flags.strict,
        });
        const report = await ingestRows(context.ingestDeps(), rows, {
          batchId: flags.batch,
          agentId: flags.agentId,
          dryRun: flags.dryRun,
          strict: flags.strict,
          ...schedule,
          frequencyCap,
          ...lane,
          ...webhook,
          notes,
          onProgress: (n) => {
            rowsRead = n;
          },
        });
        progress?.update(size, size, plural(rowsRead, 'row'));
        progress?.stop();
        if (flags.json) {
          const { discarded: _discarded, ...contractShape } = report;
          process.stdout.write(`${JSON.stringify(contractShape)}\n`);
        } else {
          printHuman(report, file, flags, notes.delimiterDetected);
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
