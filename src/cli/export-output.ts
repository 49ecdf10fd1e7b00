import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { delimiterFromName } from '../producer/csv/index.js';
import type { CsvResultOptions, ResultFormat } from '../producer/results-export.js';
import { configFrom, openProducer, type ProducerContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';

/** The flags of an export command (`results`, `rejected`). */
interface ExportFlags {
  format: string;
  out?: string;
  delimiter?: string;
  bom?: boolean;
}

/** Adds --format, --out, --delimiter and --bom to an export command. */
function withExportOptions(command: Command): Command {
  return command
    .option('--format <format>', 'jsonl or csv', 'jsonl')
    .option('--out <file>', 'write to a file instead of stdout')
    .option(
      '--delimiter <c>',
      'CSV cell separator: one character, or \\t, tab, semicolon, pipe (default ",")',
    )
    .option('--bom', 'start the CSV with a UTF-8 byte order mark (Excel on Windows)');
}

/** The export's format and CSV options, or a usage error that names the flag. */
function exportFormat(flags: ExportFlags): { format: ResultFormat; csv: CsvResultOptions } {
  if (flags.format !== 'jsonl' && flags.format !== 'csv') {
    throw new CliError('--format: must be jsonl or csv', EXIT.usage);
  }
  if (flags.format !== 'csv' && (flags.delimiter !== undefined || flags.bom)) {
    throw new CliError('--delimiter and --bom apply to --format csv', EXIT.usage);
  }
  try {
    const delimiter =
      flags.delimiter === undefined ? undefined : delimiterFromName(flags.delimiter);
    return { format: flags.format, csv: { delimiter, bom: flags.bom } };
  } catch (error) {
    throw new CliError(`--delimiter: ${(error as Error).message}`, EXIT.usage);
  }
}

/** Writes the chunks to the --out file, or to stdout, waiting for each to drain. */
export async function writeExport(
  chunks: Iterable<string> | AsyncIterable<string>,
  outFile: string | undefined,
): Promise<void> {
  const out: Writable = outFile ? createWriteStream(outFile) : process.stdout;
  for await (const chunk of chunks) {
    if (!out.write(chunk)) await once(out, 'drain');
  }
  if (outFile) {
    out.end();
    await once(out, 'finish');
  }
}

/** What an export command writes, once its flags are read and its batch is known to exist. */
type ExportWriter = (
  context: ProducerContext,
  batchId: string,
  how: { format: ResultFormat; csv: CsvResultOptions; outFile: string | undefined },
) => Promise<void>;

/** Adds an export command (`<name> <batch>` and the export options) that runs `write`. */
export function registerExport(
  program: Command,
  name: string,
  description: string,
  write: ExportWriter,
): void {
  withExportOptions(
    program.command(name).description(description).argument('<batch>', 'batch id'),
  ).action(async (batchId: string, flags: ExportFlags) => {
    const { format, csv } = exportFormat(flags);
    const context = await openProducer(configFrom());
    try {
      if (!(await context.batchStore.status(batchId)))
        throw new CliError(`no such batch: ${batchId}`);
      await write(context, batchId, { format, csv, outFile: flags.out });
    } finally {
      await context.close();
    }
  });
}
