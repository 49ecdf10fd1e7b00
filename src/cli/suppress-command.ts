import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { once } from 'node:events';
import type { Command } from 'commander';
import { readSuppressionFile, type ImportProblem } from '../producer/suppression-import.js';
import { recipientIdProblem } from '../shared/records.js';
import { configFrom, openProducer } from './context.js';
import { CliError, EXIT } from './exit-codes.js';

/** Ids imported per write: a 1M-line DNC list streams through in chunks. */
const IMPORT_CHUNK = 5000;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function checkedIds(ids: string[]): string[] {
  const trimmed = ids.map((id) => id.trim());
  trimmed.forEach((id, i) => {
    const problem = recipientIdProblem(id);
    if (problem) throw new CliError(`recipient id ${i + 1}: ${problem}`, EXIT.usage);
  });
  return trimmed;
}

async function write(text: string): Promise<void> {
  if (!process.stdout.write(text)) await once(process.stdout, 'drain');
}

export function registerSuppress(program: Command): void {
  const suppress = program
    .command('suppress')
    .description('the suppression list: recipients who must get nothing more (contact rules)');

  suppress
    .command('add')
    .description('put recipients on the list (their running conversations stop at the next turn)')
    .argument('<recipient_id...>', 'recipient ids, as in the recipient_id column')
    .option('--reason <text>', 'why (kept with the entry)')
    .action(async (ids: string[], flags: { reason?: string }) => {
      const recipients = checkedIds(ids);
      const context = await openProducer(configFrom());
      try {
        const added = await context.suppressions.add(recipients, {
          reason: flags.reason,
          source: 'manual',
        });
        process.stdout.write(
          `${plural(added, 'recipient')} added to the suppression list` +
            (added < recipients.length ? ` (${recipients.length - added} already on it)` : '') +
            '\n',
        );
      } finally {
        await context.close();
      }
    });

  suppress
    .command('remove')
    .description('take recipients off the list')
    .argument('<recipient_id...>', 'recipient ids')
    .action(async (ids: string[]) => {
      const recipients = checkedIds(ids);
      const context = await openProducer(configFrom());
      try {
        const removed = await context.suppressions.remove(recipients);
        process.stdout.write(`${plural(removed, 'recipient')} removed from the suppression list\n`);
      } finally {
        await context.close();
      }
    });

  suppress
    .command('import')
    .description(
      'import a do-not-contact list: one id per line, or a CSV with a recipient_id column',
    )
    .argument('<file>', 'the list')
    .option('--reason <text>', 'why (kept with each entry)')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, flags: { reason?: string; json?: boolean }) => {
      try {
        await access(file);
      } catch (error) {
        throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code}`);
      }
      const context = await openProducer(configFrom());
      const problems: ImportProblem[] = [];
      let read = 0;
      let added = 0;
      try {
        let chunk: string[] = [];
        const flush = async () => {
          added += await context.suppressions.add(chunk, {
            reason: flags.reason,
            source: 'import',
          });
          chunk = [];
        };
        for await (const id of readSuppressionFile(createReadStream(file), problems)) {
          chunk.push(id);
          read++;
          if (chunk.length >= IMPORT_CHUNK) await flush();
        }
        if (chunk.length > 0) await flush();
      } finally {
        await context.close();
      }
      if (flags.json) {
        process.stdout.write(`${JSON.stringify({ read, added, rejected: problems })}\n`);
      } else {
        process.stdout.write(
          `${file}: ${plural(read, 'recipient')} read, ${added} new on the suppression list` +
            `${problems.length ? `, ${plural(problems.length, 'line')} rejected` : ''}\n`,
        );
        for (const problem of problems.slice(0, 20))
          process.stdout.write(`  ${file}:${problem.line}: ${problem.message}\n`);
        if (problems.length > 20)
          process.stdout.write(`  … and ${problems.length - 20} more (use --json for all)\n`);
      }
    });

  suppress
    .command('list')
    .description('print the list')
    .option('--json', 'print a JSON array of {recipientId, reason, source, at}')
    .action(async (flags: { json?: boolean }) => {
      const context = await openProducer(configFrom());
      try {
        let cursor: string | null = '0';
        let first = true;
        if (flags.json) await write('[');
        while (cursor !== null) {
          const page = await context.suppressions.page(cursor, 1000);
          for (const entry of page.entries) {
            if (flags.json) await write(`${first ? '' : ','}\n${JSON.stringify(entry)}`);
            else
              await write(
                `${entry.recipientId}\t${entry.source}\t${entry.at}${entry.reason ? `\t${entry.reason}` : ''}\n`,
              );
            first = false;
          }
          cursor = page.nextCursor;
        }
        if (flags.json) await write(first ? ']\n' : '\n]\n');
      } finally {
        await context.close();
      }
    });
}
