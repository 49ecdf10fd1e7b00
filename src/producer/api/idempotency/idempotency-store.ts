import { createHash, randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../../../shared/keys.js';
import { storeScripts } from '../../../store/scripts.js';
import type { SwapOp } from '../../../store/lua-idempotency.js';

/**
 * `Idempotency-Key` records, in Redis under the prefix (so every API process sees them):
 * - `pending`: a request with this key is being served; it has an owner, and a short TTL that
 *   the serving request keeps extending, so a crashed API process frees the key soon;
 * - `done`: the first answer (status and body) and the fingerprint of its request, kept for
 *   `ttlSeconds`. The same key with the same request replays that answer, with another → 422.
 * Only successful answers are kept: an error did nothing, so trying again is harmless.
 */
export interface DoneRecord {
  state: 'done';
  fingerprint: string;
  statusCode: number;
  body: unknown;
}
interface PendingRecord {
  state: 'pending';
  owner: string;
}
type StoredRecord = DoneRecord | PendingRecord;

export type Claim =
  { kind: 'claimed'; owner: string } | { kind: 'pending' } | { kind: 'done'; record: DoneRecord };

export interface IdempotencyStore {
  /** Takes the key for this request, or says who holds it. */
  claim(scope: string, key: string): Promise<Claim>;
  /** Keeps the first answer (only while `owner` still holds the key). */
  complete(scope: string, key: string, owner: string, record: DoneRecord): Promise<void>;
  /** Frees the key without an answer (the request failed). */
  release(scope: string, key: string, owner: string): Promise<void>;
  /** Extends a pending claim while its request is still being served. */
  keepAlive(scope: string, key: string, owner: string): Promise<void>;
  /** How often `keepAlive` must run, in ms. */
  readonly keepAliveMs: number;
  /** The largest record `complete` keeps, in bytes of JSON; a larger answer is not kept. */
  readonly maxRecordBytes: number;
}

/** Answers are kept in Redis for a day: bounded, so a client cannot fill it with big ones. */
const DEFAULT_MAX_RECORD_BYTES = 256 * 1024;

export function createIdempotencyStore(deps: {
  redis: Redis;
  keys: Keys;
  /** How long a first answer is replayed, in seconds. Default 24 hours. */
  ttlSeconds?: number;
  /** TTL of a pending claim, in ms (extended every third of it). Default 30000. */
  pendingMs?: number;
  /** Largest answer kept, in bytes of its JSON record. Default 256 KiB. */
  maxRecordBytes?: number;
}): IdempotencyStore {
  const { redis } = deps;
  const ttlMs = (deps.ttlSeconds ?? 86_400) * 1000;
  const pendingMs = deps.pendingMs ?? 30_000;
  const run = storeScripts(redis);
  const swap = async (key: string, expected: string, op: SwapOp, value: string, ms: number) =>
    Number(await run('cbIdempotencySwap', [key, expected, op, value, ms])) as 0 | 1;

  const redisKey = (scope: string, key: string) =>
    deps.keys.idempotency(createHash('sha256').update(`${scope}\n${key}`).digest('hex'));
  const pendingValue = (owner: string) =>
    JSON.stringify({ state: 'pending', owner } satisfies PendingRecord);

  return {
    keepAliveMs: Math.max(100, Math.floor(pendingMs / 3)),
    maxRecordBytes: deps.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,

    async claim(scope, key) {
      const k = redisKey(scope, key);
      // Two tries: the record may expire between a refused SET and the GET.
      for (let attempt = 0; attempt < 2; attempt++) {
        const owner = randomUUID();
        if ((await redis.set(k, pendingValue(owner), 'PX', pendingMs, 'NX')) === 'OK')
          return { kind: 'claimed', owner };
        const raw = await redis.get(k);
        if (raw === null) continue;
        const record = JSON.parse(raw) as StoredRecord;
        return record.state === 'done' ? { kind: 'done', record } : { kind: 'pending' };
      }
      return { kind: 'pending' };
    },

    async complete(scope, key, owner, record) {
      await swap(redisKey(scope, key), pendingValue(owner), 'set', JSON.stringify(record), ttlMs);
    },

    async release(scope, key, owner) {
      await swap(redisKey(scope, key), pendingValue(owner), 'del', '', 0);
    },

    async keepAlive(scope, key, owner) {
      await swap(redisKey(scope, key), pendingValue(owner), 'extend', '', pendingMs);
    },
  };
}
