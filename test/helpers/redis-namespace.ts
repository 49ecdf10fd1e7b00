import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { clusterOf, connectRedis, createRedis } from '../../src/shared/redis.js';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A unique CHATBATCH_PREFIX per test on the real Redis, and a cleanup that deletes every key
 * of it afterwards. A failed test keeps its keys (set KEEP_FAILED_KEYS=1) for inspection.
 */
export function uniquePrefix(label: string): string {
  return `t-${label}-${randomBytes(4).toString('hex')}`;
}

/**
 * Runs `visit` on every page of the prefix's keys, with the node that holds them. SCAN walks one
 * node's keyspace only, so on a Redis Cluster (a `redis+cluster://` URL) it visits every master.
 */
async function scanPrefix(
  prefix: string,
  url: string,
  visit: (node: Redis, keys: string[]) => Promise<void>,
): Promise<void> {
  const redis = createRedis(url, 'producer');
  redis.on('error', () => undefined); // reported by connectRedis or the failing command
  try {
    await connectRedis(redis, url);
    const nodes = clusterOf(redis)?.nodes('master') ?? [redis];
    for (const node of nodes) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 1000);
        cursor = next;
        if (keys.length > 0) await visit(node, keys);
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}

export async function deletePrefix(prefix: string, url = REDIS_URL): Promise<number> {
  let deleted = 0;
  // Straight to the node that holds the keys; they share one hash tag, so one UNLINK is one slot.
  await scanPrefix(prefix, url, async (node, keys) => {
    deleted += await node.unlink(...keys);
  });
  return deleted;
}

export async function countKeys(prefix: string, url = REDIS_URL): Promise<number> {
  let count = 0;
  await scanPrefix(prefix, url, async (_node, keys) => {
    count += keys.length;
  });
  return count;
}
