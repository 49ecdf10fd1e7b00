import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { z } from 'zod';
import { QUEUE_NAME, turnJobId, type Keys } from './keys.js';

/** The payload of a turn job: only a pointer into the store, which holds everything else. */
export const turnJobSchema = z.object({
  b: z.string().min(1),
  c: z.string().min(1),
  k: z.number().int().min(1),
});
export type TurnJob = z.infer<typeof turnJobSchema>;

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
    refs: readonly { conversationId: string; turn: number }[],
    options?: { delayMs?: number },
  ): Promise<void>;
  /**
   * Queues a conversation's next turn at the head of the queue (LIFO): the conversation is
   * mid-flight, so its next turn goes before conversations that have not started.
   */
  addNextTurn(batchId: string, conversationId: string, turn: number): Promise<void>;
  close(): Promise<void>;
}

export function createTurnQueue(deps: { connection: ConnectionOptions; keys: Keys }): TurnQueue {
  const queue = new Queue(QUEUE_NAME, {
    connection: deps.connection,
    prefix: deps.keys.bullPrefix,
    defaultJobOptions: JOB_OPTIONS,
  });
  return {
    queue,
    async addTurns(batchId, refs, options = {}) {
      // A scheduled batch's jobs wait in BullMQ's delayed set, not in workers' hands.
      const delay =
        options.delayMs && options.delayMs > 0 ? Math.round(options.delayMs) : undefined;
      for (let i = 0; i < refs.length; i += ADD_BULK_CHUNK) {
        await queue.addBulk(
          refs.slice(i, i + ADD_BULK_CHUNK).map(({ conversationId, turn }) => ({
            name: 'turn',
            data: { b: batchId, c: conversationId, k: turn } satisfies TurnJob,
            opts: { jobId: turnJobId(batchId, conversationId, turn), ...(delay ? { delay } : {}) },
          })),
        );
      }
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
