import type { Redis } from 'ioredis';

const BULLMQ_KEYS = new Set([
  'wait',
  'paused',
  'active',
  'meta',
  'events',
  'id',
  'marker',
  'completed',
  'failed',
  'delayed',
  'prioritized',
  'stalled',
  'stalled-check',
  'limiter',
  'pc',
  'de',
  'repeat',
  'waiting-children',
]);

/** A key with its ids replaced, so keys of one kind group together. */
export function keyKind(key: string): string {
  const parts = key.replace(/^\{[^}]*\}/, '{p}').split(':');
  if (parts[1] === 'c') return '{p}:c:<batch>:<conversation>';
  if (parts[1] === 'b') return ['{p}:b:<batch>', ...parts.slice(3)].join(':');
  if (parts[1] === 'turns' && parts[2] !== undefined && !BULLMQ_KEYS.has(parts[2])) {
    return ['{p}:turns:<job>', ...parts.slice(3)].join(':');
  }
  return parts.join(':');
}

export interface KeyKind {
  keys: number;
  bytes: number;
  /** One key of the kind: its encoding and, for a hash, its fields' value lengths. */
  example: { encoding: string; fields?: Record<string, number> };
}

/**
 * Bytes by kind of key (MEMORY USAGE … SAMPLES 0 of every key: exact, not estimated from a few
 * fields), with the number of keys and one example's encoding (a hash with a value longer than
 * hash-max-listpack-value is stored as a hashtable, several times larger).
 */
export async function memoryByKind(redis: Redis): Promise<Record<string, KeyKind>> {
  const kinds = new Map<string, KeyKind>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
    cursor = next;
    const pipeline = redis.pipeline();
    for (const key of keys) pipeline.memory('USAGE', key, 'SAMPLES', 0);
    const replies = (await pipeline.exec()) ?? [];
    for (const [i, key] of keys.entries()) {
      const kind = keyKind(key);
      let entry = kinds.get(kind);
      if (!entry) {
        entry = { keys: 0, bytes: 0, example: await describeKey(redis, key) };
        kinds.set(kind, entry);
      }
      entry.keys++;
      entry.bytes += Number(replies[i]?.[1] ?? 0);
    }
  } while (cursor !== '0');
  return Object.fromEntries([...kinds].sort((a, b) => b[1].bytes - a[1].bytes));
}

async function describeKey(redis: Redis, key: string): Promise<KeyKind['example']> {
  const encoding = String(await redis.object('ENCODING', key));
  if ((await redis.type(key)) !== 'hash') return { encoding };
  const hash = await redis.hgetallBuffer(key);
  return {
    encoding,
    fields: Object.fromEntries(Object.entries(hash).map(([field, value]) => [field, value.length])),
  };
}
