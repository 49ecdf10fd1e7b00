import { Readable } from 'node:stream';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../../shared/logger.js';
import { readCsvRows } from '../csv/index.js';
import { ingestRows, type IngestDeps } from '../ingest.js';
import { cronIntervalProblem, firingBatchId } from './schedule-definition.js';
import { SCHEDULE_QUEUE, type ScheduleService } from './schedule-service.js';

/**
 * Turns each firing of a schedule into a batch: ingests the stored contact list under a batch
 * id derived from the schedule and the firing time. Runs in every worker process (concurrency
 * 1); whichever takes the firing job ingests, and a double fire adds nothing twice.
 */
export function startScheduleRunner(deps: {
  connection: ConnectionOptions;
  bullPrefix: string;
  schedules: ScheduleService;
  ingest: IngestDeps;
  logger: Logger;
}): {
  close(): Promise<void>;
  fire(job: Pick<Job, 'data' | 'opts' | 'timestamp'>): Promise<string | undefined>;
} {
  async function fire(job: Pick<Job, 'data' | 'opts' | 'timestamp'>): Promise<string | undefined> {
    const name = String((job.data as { schedule?: unknown }).schedule ?? '');
    const definition = await deps.schedules.load(name);
    if (!definition || definition.paused) return undefined;
    const firedAt = job.opts.prevMillis ?? job.timestamp;
    // A schedule stored before the minimum interval existed (or under a lower one) is not run.
    const tooOften = cronIntervalProblem(
      definition.cron,
      definition.tz,
      deps.schedules.minIntervalMs,
      firedAt,
    );
    if (tooOften !== undefined) {
      deps.logger.warn({ schedule: name }, `schedule not fired: ${tooOften}`);
      return undefined;
    }
    const batchId = firingBatchId(name, firedAt);
    const report = await ingestRows(
      deps.ingest,
      readCsvRows(Readable.from([definition.csv]), {
        defaultAgentId: definition.agentId,
        source: `schedule ${name}`,
      }),
      { batchId, agentId: definition.agentId, window: definition.window },
    );
    deps.logger.info(
      {
        schedule: name,
        batchId,
        accepted: report.accepted,
        rejected: report.rejected,
        duplicates: report.duplicates,
      },
      'schedule fired',
    );
    return batchId;
  }

  const worker = new Worker(SCHEDULE_QUEUE, (job) => fire(job), {
    connection: deps.connection,
    prefix: deps.bullPrefix,
    concurrency: 1,
  });
  worker.on('error', (error) => deps.logger.warn({ err: error.message }, 'schedule runner error'));
  worker.on('failed', (job, error) =>
    deps.logger.error(
      { schedule: job?.data?.schedule, err: error.message },
      'schedule firing failed',
    ),
  );
  return { close: () => worker.close(), fire };
}
