import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { QUEUE_NAME, makeKeys } from '../../src/shared/keys.js';

/**
 * The Redis every scenario but the memory one uses: the suite's own throwaway redis-server, or
 * BENCH_REDIS_URL (see bench-redis.ts). Set once by run.ts before any scenario runs (an ESM live
 * binding: importers see the value set here).
 */
export let REDIS_URL = '';

/** Points every scenario at this Redis (run.ts, once). */
export function useRedisUrl(url: string): void {
  REDIS_URL = url;
}

/** A fresh CHATBATCH_PREFIX: runs never see each other's keys, nor anyone else's. */
export function uniquePrefix(label: string): string {
  return `bench-${label}-${randomBytes(4).toString('hex')}`;
}

export function connect(url = REDIS_URL): Redis {
  if (!url) throw new Error('bench: no Redis chosen yet (run.ts calls useRedisUrl first)');
  return new Redis(url, { maxRetriesPerRequest: null });
}

/** Deletes every key of a prefix (they all share the hash tag `{prefix}`); returns how many. */
export async function deletePrefix(redis: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 10_000);
    cursor = next;
    if (keys.length > 0) deleted += await redis.unlink(...keys);
  } while (cursor !== '0');
  return deleted;
}

/** The turn queue of a prefix, as both chatbatch and the baseline name it. */
export function openQueue(redis: Redis, prefix: string): Queue {
  return new Queue(QUEUE_NAME, { connection: redis, prefix: makeKeys(prefix).bullPrefix });
}

const UNFINISHED = ['wait', 'active', 'delayed', 'prioritized', 'waiting-children'] as const;

/** Jobs not yet finished (finished jobs are removed by both chatbatch and the baseline). */
export async function unfinishedJobs(queue: Queue): Promise<number> {
  const counts = await queue.getJobCounts(...UNFINISHED);
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}

/**
 * Polls until the queue has no unfinished job. Both implementations add a conversation's next
 * turn before its current job completes, so an empty queue means every turn is done. Returns
 * the time it saw the queue empty (epoch ms); the poll interval bounds the error.
 */
export async function waitDrained(
  queue: Queue,
  options: { timeoutMs: number; intervalMs?: number; what?: string },
): Promise<number> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if ((await unfinishedJobs(queue)) === 0) return Date.now();
    if (Date.now() > deadline) {
      throw new Error(`${options.what ?? 'queue'}: not drained within ${options.timeoutMs} ms`);
    }
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 20));
  }
}

/** One section of INFO as a map of field → value. */
export async function info(redis: Redis, section: string): Promise<Map<string, string>> {
  const text = await redis.info(section);
  const fields = new Map<string, string>();
  for (const line of text.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && !line.startsWith('#')) fields.set(line.slice(0, colon), line.slice(colon + 1));
  }
  return fields;
}
