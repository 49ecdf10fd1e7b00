import { Readable } from 'node:stream';
import { Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { Logger } from '../../shared/logger.js';
import { retryTransient } from '../../shared/redis-retry.js';
import { CsvReadNotes, readCsvRows } from '../csv/index.js';
import { ingestRows, type IngestDeps } from '../ingest.js';
import { cronIntervalProblem, firingBatchId } from './schedule-definition.js';
import { SCHEDULE_QUEUE, type ScheduleService } from './schedule-service.js';

/** How long a firing keeps trying through Redis errors before it fails: 10 minutes. */
export const FIRING_RETRY_MS = 10 * 60_000;

export type FiringJob = Pick<Job, 'data' | 'opts' | 'timestamp'>;

export interface ScheduleFiringDeps {
  schedules: ScheduleService;
  ingest: IngestDeps;
  logger: Logger;
  /** How long a firing retries through transient Redis errors, in ms. Default FIRING_RETRY_MS. */
  retryMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

/**
 * What one firing does: ingests the schedule's stored contact list under a batch id derived
 * from the schedule and the firing time, and returns that id (undefined for a schedule removed
 * or paused since). It rides out a Redis restart or failover: it tries again (the ingest is
 * idempotent: a retry adds nothing twice) until `retryMs` after it started, instead of failing
 * the firing job, which BullMQ would not run again.
 */
export function createScheduleFiring(
  deps: ScheduleFiringDeps,
): (job: FiringJob) => Promise<string | undefined> {
  const now = deps.now ?? Date.now;

  async function fireOnce(job: FiringJob): Promise<string | undefined> {
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
    const notes = new CsvReadNotes();
    const report = await ingestRows(
      deps.ingest,
      readCsvRows(Readable.from([definition.csv]), {
        defaultAgentId: definition.agentId,
        source: `schedule ${name}`,
        notes,
      }),
      { batchId, agentId: definition.agentId, window: definition.window, notes },
    );
    deps.logger.info(
      {
        schedule: name,
        batchId,
        accepted: report.accepted,
        rejected: report.rejected,
        duplicates: report.duplicates,
        warnings: report.warnings.length,
      },
      'schedule fired',
    );
    return batchId;
  }

  return function fire(job: FiringJob): Promise<string | undefined> {
    const schedule = String((job.data as { schedule?: unknown }).schedule ?? '');
    return retryTransient(() => fireOnce(job), {
      deadline: now() + (deps.retryMs ?? FIRING_RETRY_MS),
      now,
      sleep: deps.sleep,
      onOutage: (error) =>
        deps.logger.warn(
          { schedule, err: error instanceof Error ? error.message : String(error) },
          'schedule firing: Redis is not answering; trying again',
        ),
      onRecovered: (ms) =>
        deps.logger.info({ schedule, outageMs: ms }, 'schedule firing: Redis answers again'),
    });
  };
}

/**
 * Turns each firing of a schedule into a batch (see createScheduleFiring). Runs in every worker
 * process (concurrency 1); whichever takes the firing job ingests, and a double fire adds
 * nothing twice.
 */
export function startScheduleRunner(
  deps: ScheduleFiringDeps & { connection: ConnectionOptions; bullPrefix: string },
): {
  close(): Promise<void>;
  fire(job: FiringJob): Promise<string | undefined>;
} {
  const fire = createScheduleFiring(deps);
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
