import { Queue, type ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.js';
import { formatSendWindow } from '../../shared/send-window.js';
import {
  validateSchedule,
  ScheduleError,
  type GivenWindowObject,
  type ScheduleDefinition,
} from './schedule-definition.js';

/** The queue that carries schedule firings (separate from turns: different workers' work). */
export const SCHEDULE_QUEUE = 'schedules';
export const FIRE_JOB = 'fire';

export interface ScheduleSummary extends Omit<
  ScheduleDefinition,
  'csv' | 'window' | 'windowGiven'
> {
  /** The send window as it was given (`"mon-fri 09:00-18:00"`, or the object). */
  window?: string | GivenWindowObject;
  csvBytes: number;
  /** Next firing, ISO, when not paused. */
  next: string | null;
}

/**
 * Recurring runs on BullMQ job schedulers: the definition (with its CSV) in a Redis hash, the
 * timing in `upsertJobScheduler` (cron + tz). Pausing removes the scheduler and keeps the
 * definition; resuming puts it back.
 */
export function createScheduleService(deps: {
  redis: Redis;
  keys: Keys;
  connection: ConnectionOptions;
  now?: () => number;
  /** Shortest time between two firings, in ms (CHATBATCH_SCHEDULE_MIN_INTERVAL). Default 1 h. */
  minIntervalMs?: number;
}) {
  const { redis, keys } = deps;
  const now = deps.now ?? Date.now;
  const minIntervalMs = deps.minIntervalMs ?? 3_600_000;
  const rules = () => ({ minIntervalMs, now: now() });
  const queue = new Queue(SCHEDULE_QUEUE, { connection: deps.connection, prefix: keys.bullPrefix });
  const key = (name: string) => keys.schedule(name);
  const index = keys.schedules;

  async function load(name: string): Promise<ScheduleDefinition | undefined> {
    const raw = await redis.get(key(name));
    return raw ? (JSON.parse(raw) as ScheduleDefinition) : undefined;
  }

  async function arm(definition: ScheduleDefinition): Promise<void> {
    await queue.upsertJobScheduler(
      definition.name,
      { pattern: definition.cron, tz: definition.tz },
      {
        name: FIRE_JOB,
        data: { schedule: definition.name },
        opts: { removeOnComplete: true, removeOnFail: 100 },
      },
    );
  }

  async function summary(definition: ScheduleDefinition): Promise<ScheduleSummary> {
    const { csv, window, windowGiven, ...rest } = definition;
    const scheduler = definition.paused ? undefined : await queue.getJobScheduler(definition.name);
    const shown = windowGiven ?? (window ? formatSendWindow(window) : undefined);
    return {
      ...rest,
      ...(shown === undefined ? {} : { window: shown }),
      csvBytes: Buffer.byteLength(csv, 'utf8'),
      next: scheduler?.next ? new Date(scheduler.next).toISOString() : null,
    };
  }

  return {
    queue,
    load,
    minIntervalMs,

    /** Creates or replaces a schedule. */
    async add(input: Omit<ScheduleDefinition, 'paused' | 'createdAt'>): Promise<ScheduleSummary> {
      validateSchedule(input, rules());
      const definition: ScheduleDefinition = {
        ...input,
        paused: false,
        createdAt: new Date(now()).toISOString(),
      };
      await redis
        .multi()
        .set(key(input.name), JSON.stringify(definition))
        .sadd(index, input.name)
        .exec();
      await arm(definition);
      return summary(definition);
    },

    async list(): Promise<ScheduleSummary[]> {
      const names = (await redis.smembers(index)).sort();
      const out: ScheduleSummary[] = [];
      for (const name of names) {
        const definition = await load(name);
        if (definition) out.push(await summary(definition));
      }
      return out;
    },

    async remove(name: string): Promise<void> {
      if (!(await load(name))) throw new ScheduleError(`no such schedule: ${name}`);
      await queue.removeJobScheduler(name);
      await redis.multi().del(key(name)).srem(index, name).exec();
    },

    async setPaused(name: string, paused: boolean): Promise<ScheduleSummary> {
      const definition = await load(name);
      if (!definition) throw new ScheduleError(`no such schedule: ${name}`);
      // A schedule stored before the minimum interval existed is not armed again as it was.
      if (!paused) validateSchedule(definition, rules());
      definition.paused = paused;
      await redis.set(key(name), JSON.stringify(definition));
      if (paused) await queue.removeJobScheduler(name);
      else await arm(definition);
      return summary(definition);
    },

    close: () => queue.close(),
  };
}
export type ScheduleService = ReturnType<typeof createScheduleService>;
