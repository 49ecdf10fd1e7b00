import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { QUEUE_NAME, kickoffJobId, turnJobId, type Keys } from './keys.js';
import { isPlainObject } from './plain-object.js';

/**
 * What the first turn's job of a conversation without a recipient carries, so that its first
 * delivery can be sent without the begin step (the worker's fast path): agent, input, the
 * variables as stored (JSON text), previousChatId, the recipient's zone.
 */
const firstTurnPayloadSchema = z.object({
  a: z.string(),
  i: z.string(),
  v: z.string().optional(),
  p: z.string().optional(),
  z: z.string().optional(),
});
export type FirstTurnPayload = z.infer<typeof firstTurnPayloadSchema>;

/**
 * The payload of a turn job: a pointer into the store, which holds everything else, and for a
 * first turn from an ingest, the request (`f`).
 */
export const turnJobSchema = z.object({
  b: z.string().min(1),
  c: z.string().min(1),
  k: z.number().int().min(1),
  f: firstTurnPayloadSchema.optional(),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

/** A job's data (it comes from Redis: untrusted), or undefined when it is not a turn job. */
export function parseTurnJob(data: unknown): TurnJob | undefined {
  if (isTurnJob(data)) return data;
  const parsed = turnJobSchema.safeParse(data);
  return parsed.success ? parsed.data : undefined;
}

const optionalString = (value: unknown) => value === undefined || typeof value === 'string';
const filledString = (value: unknown) => typeof value === 'string' && value.length > 0;

/**
 * turnJobSchema by hand, for the hot path (every job): zod's cost per job was a few µs of the
 * worker's CPU per turn. Accepts only what the schema accepts (a property test keeps the two in
 * step); anything else goes to the schema.
 */
function isTurnJob(data: unknown): data is TurnJob {
  if (!isPlainObject(data)) return false;
  if (!filledString(data.b) || !filledString(data.c)) return false;
  if (typeof data.k !== 'number' || !Number.isSafeInteger(data.k) || data.k < 1) return false;
  const f = data.f;
  if (f === undefined) return true;
  return (
    isPlainObject(f) &&
    typeof f.a === 'string' &&
    typeof f.i === 'string' &&
    optionalString(f.v) &&
    optionalString(f.p) &&
    optionalString(f.z)
  );
}

/** The job that starts a scheduled batch at its start time (see `scheduleKickoff`). */
export const KICKOFF_JOB = 'kickoff';
export const kickoffJobSchema = z.object({ b: z.string().min(1) });

/**
 * The lane of a batch and the BullMQ priorities of its next `count` first turns (their place in
 * the fair lanes: src/store/lua-lanes.ts). Without one, first turns are queued in arrival order.
 */
export type LaneTagger = (
  batchId: string,
  count: number,
) => Promise<{ lane: string; priorities: number[] }>;

/** Name of the custom backoff strategy the worker registers (settings.backoffStrategy). */
export const BACKOFF_TYPE = 'chatbatch';

/**
 * Our store counts attempts and fails a turn itself after CHATBATCH_MAX_ATTEMPTS; BullMQ's own
 * budget only has to outlast it (plus a few retries for Redis hiccups while recording).
 */
export const JOB_ATTEMPTS_CEILING = 1000;

const JOB_OPTIONS: JobsOptions = {
  attempts: JOB_ATTEMPTS_CEILING,
  backoff: { type: BACKOFF_TYPE },
  // The store keeps the results; finished jobs would only fill Redis.
  removeOnComplete: true,
  removeOnFail: true,
};

/** Chunk size for addBulk: each call is atomic, and ~1,000 keeps Redis responsive. */
const ADD_BULK_CHUNK = 1000;

export interface TurnQueue {
  readonly queue: Queue;
  /** Queues the given turns (first turns of new conversations, resumed or retried ones). */
  addTurns(
    batchId: string,
    refs: readonly { conversationId: string; turn: number; firstTurn?: FirstTurnPayload }[],
  ): Promise<void>;
  /**
   * Queues one job that, at `startAt` (ms), queues the batch's first turns: a scheduled batch
   * takes its place in the lanes when it starts, not when it was ingested, and waits as one
   * job instead of one per conversation.
   */
  scheduleKickoff(batchId: string, startAt: number, now: number): Promise<void>;
  /**
   * Queues a conversation's next turn at the head of the queue (LIFO): the conversation is
   * mid-flight, so its next turn goes before conversations that have not started.
   */
  addNextTurn(batchId: string, conversationId: string, turn: number): Promise<void>;
  close(): Promise<void>;
}

export function createTurnQueue(deps: {
  connection: ConnectionOptions;
  keys: Keys;
  /** Places first turns in the fair lanes. Default none: arrival order. */
  laneTagger?: LaneTagger;
}): TurnQueue {
  const queue = new Queue(QUEUE_NAME, {
    connection: deps.connection,
    prefix: deps.keys.bullPrefix,
    defaultJobOptions: JOB_OPTIONS,
  });
  return {
    queue,
    async addTurns(batchId, refs) {
      for (let i = 0; i < refs.length; i += ADD_BULK_CHUNK) {
        const chunk = refs.slice(i, i + ADD_BULK_CHUNK);
        const tags = deps.laneTagger
          ? await deps.laneTagger(batchId, chunk.length)
          : { lane: undefined, priorities: [] };
        const priorities = tags.priorities;
        await queue.addBulk(
          chunk.map(({ conversationId, turn, firstTurn }, j) => ({
            // The job name shows the lane in bull-board (`turn:high`, `turn:low`).
            name: tags.lane && tags.lane !== 'normal' ? `turn:${tags.lane}` : 'turn',
            data: {
              b: batchId,
              c: conversationId,
              k: turn,
              ...(firstTurn ? { f: firstTurn } : {}),
            } satisfies TurnJob,
            opts: {
              jobId: turnJobId(batchId, conversationId, turn),
              ...(priorities[j] ? { priority: priorities[j] } : {}),
            },
          })),
        );
      }
    },
    async scheduleKickoff(batchId, startAt, now) {
      await queue.add(
        KICKOFF_JOB,
        { b: batchId },
        {
          jobId: kickoffJobId(batchId),
          delay: Math.max(0, Math.round(startAt - now)),
        },
      );
    },
    async addNextTurn(batchId, conversationId, turn) {
      await queue.add('turn', { b: batchId, c: conversationId, k: turn } satisfies TurnJob, {
        jobId: turnJobId(batchId, conversationId, turn),
        lifo: true,
      });
    },
    close: () => queue.close(),
  };
}
