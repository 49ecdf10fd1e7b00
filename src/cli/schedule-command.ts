import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ScheduleError } from '../producer/schedules/schedule-definition.js';
import {
  createScheduleService,
  type ScheduleSummary,
} from '../producer/schedules/schedule-service.js';
import { configFrom, openProducer, type ProducerContext } from './context.js';
import { CliError, EXIT } from './exit-codes.js';
import { scheduleOptions } from './schedule-flags.js';

async function withSchedules<T>(
  run: (service: ReturnType<typeof createScheduleService>, context: ProducerContext) => Promise<T>,
): Promise<T> {
  const config = configFrom();
  const context = await openProducer(config);
  const service = createScheduleService({
    redis: context.redis,
    keys: context.keys,
    connection: context.redis,
    minIntervalMs: config.scheduleMinIntervalMs,
  });
  try {
    return await run(service, context);
  } catch (error) {
    if (error instanceof ScheduleError)
      throw new CliError(error.message, /no such/.test(error.message) ? EXIT.failure : EXIT.usage);
    throw error;
  } finally {
    await service.close();
    await context.close();
  }
}

function describe(s: ScheduleSummary): string {
  return (
    `${s.name}: "${s.cron}" ${s.tz}${s.paused ? ' (paused)' : ''}, ${s.csvBytes} bytes of CSV` +
    `${s.agentId ? `, agent ${s.agentId}` : ''}` +
    `${s.window ? `, window ${typeof s.window === 'string' ? `"${s.window}"` : JSON.stringify(s.window)}` : ''}` +
    `${s.next ? `, next ${s.next}` : ''}`
  );
}

export function registerSchedule(program: Command): void {
  const schedule = program
    .command('schedule')
    .description('recurring outreach runs (each firing creates a batch)');

  schedule
    .command('add')
    .description('create or replace a recurring run')
    .requiredOption('--name <name>', '(required) schedule name (letters, digits, _ . -)')
    .requiredOption(
      '--cron <pattern>',
      '(required) cron pattern, e.g. "0 10 * * 1-5" (a 6th leading field = seconds)',
    )
    .option('--tz <zone>', 'IANA time zone of the cron', 'UTC')
    .requiredOption(
      '--csv <file>',
      '(required) contact list, stored with the schedule (at most 10 MB)',
    )
    .option('--agent-id <id>', 'agent for rows whose agent_id cell is empty')
    .option('--window <spec>', 'send window "DAYS HH:MM-HH:MM [ZONE]" for each batch')
    .option('--json', 'print the schedule as JSON')
    .action(
      async (flags: {
        name: string;
        cron: string;
        tz: string;
        csv: string;
        agentId?: string;
        window?: string;
        json?: boolean;
      }) => {
        const { window } = scheduleOptions({ window: flags.window }, Date.now(), flags.tz);
        let csv: string;
        try {
          csv = await readFile(flags.csv, 'utf8');
        } catch (error) {
          throw new CliError(
            `cannot read ${flags.csv}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
          );
        }
        const added = await withSchedules((service) =>
          service.add({
            name: flags.name,
            cron: flags.cron,
            tz: flags.tz,
            csv,
            agentId: flags.agentId,
            window,
            windowGiven: flags.window,
          }),
        );
        process.stdout.write(
          flags.json ? `${JSON.stringify(added)}\n` : `added ${describe(added)}\n`,
        );
      },
    );

  schedule
    .command('list')
    .description('list recurring runs')
    .option('--json', 'print JSON')
    .action(async (flags: { json?: boolean }) => {
      const all = await withSchedules((service) => service.list());
      if (flags.json) process.stdout.write(`${JSON.stringify(all)}\n`);
      else
        process.stdout.write(all.length ? `${all.map(describe).join('\n')}\n` : 'no schedules\n');
    });

  schedule
    .command('remove')
    .description('delete a recurring run (its batches stay)')
    .argument('<name>')
    .action(async (name: string) => {
      await withSchedules((service) => service.remove(name));
      process.stdout.write(`removed ${name}\n`);
    });

  for (const [command, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    schedule
      .command(command)
      .description(paused ? 'stop firing (the definition is kept)' : 'fire again')
      .argument('<name>')
      .action(async (name: string) => {
        const changed = await withSchedules((service) => service.setPaused(name, paused));
        process.stdout.write(`${describe(changed)}\n`);
      });
  }
}
