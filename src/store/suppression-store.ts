import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';

/** Where an entry of the suppression list came from. */
export type SuppressionSource = 'manual' | 'import' | 'opt-out';

/** One entry of the suppression list. */
export interface Suppression {
  recipientId: string;
  /** Why, as given (`--reason`), or the opt-out word; null when none was given. */
  reason: string | null;
  source: SuppressionSource;
  /** When it was added (ISO-8601). */
  at: string;
}

/** The stored value (the begin script writes opt-outs in the same shape: lua-rules.ts). */
interface StoredSuppression {
  reason?: string | null;
  source: SuppressionSource;
  /** ms since the epoch. */
  at: number;
}

/** A page of the list and the cursor of the next (null at the end). */
export interface SuppressionPage {
  entries: Suppression[];
  nextCursor: string | null;
}

/**
 * The suppression list of a prefix: recipients who must get nothing more. Checked by the worker's
 * begin script at every turn (lua-rules.ts), so an entry added now stops conversations that are
 * already running from their next turn on.
 */
export interface SuppressionStore {
  /** Adds (or refreshes) entries; returns how many were not on the list before. */
  add(
    recipientIds: readonly string[],
    entry: { reason?: string; source: SuppressionSource },
  ): Promise<number>;
  /** Removes entries; returns how many were on the list. */
  remove(recipientIds: readonly string[]): Promise<number>;
  get(recipientId: string): Promise<Suppression | undefined>;
  /** A page of entries, in no particular order (HSCAN: `count` is a hint). */
  page(cursor: string, count: number): Promise<SuppressionPage>;
  size(): Promise<number>;
}

/** Entries per HSET/HDEL: large enough for speed, small enough to keep Redis responsive. */
const WRITE_CHUNK = 1000;

function decode(recipientId: string, raw: string): Suppression {
  let stored: StoredSuppression;
  try {
    stored = JSON.parse(raw) as StoredSuppression;
  } catch {
    stored = { source: 'manual', at: 0 };
  }
  return {
    recipientId,
    reason: stored.reason ?? null,
    source: stored.source,
    at: new Date(Number(stored.at) || 0).toISOString(),
  };
}

export function createSuppressionStore(deps: {
  redis: Redis;
  keys: Keys;
  now?: () => number;
}): SuppressionStore {
  const { redis, keys } = deps;
  const now = deps.now ?? Date.now;
  const key = keys.suppressions;
  return {
    async add(recipientIds, entry) {
      let added = 0;
      const value = JSON.stringify({
        reason: entry.reason ?? null,
        source: entry.source,
        at: now(),
      } satisfies StoredSuppression);
      for (let i = 0; i < recipientIds.length; i += WRITE_CHUNK) {
        const chunk = recipientIds.slice(i, i + WRITE_CHUNK);
        const fields: string[] = [];
        for (const id of chunk) fields.push(id, value);
        added += await redis.hset(key, ...fields);
      }
      return added;
    },
    async remove(recipientIds) {
      let removed = 0;
      for (let i = 0; i < recipientIds.length; i += WRITE_CHUNK) {
        removed += await redis.hdel(key, ...recipientIds.slice(i, i + WRITE_CHUNK));
      }
      return removed;
    },
    async get(recipientId) {
      const raw = await redis.hget(key, recipientId);
      return raw === null ? undefined : decode(recipientId, raw);
    },
    async page(cursor, count) {
      const [next, flat] = await redis.hscan(key, cursor, 'COUNT', count);
      const entries: Suppression[] = [];
      for (let i = 0; i < flat.length; i += 2) entries.push(decode(flat[i]!, flat[i + 1]!));
      return { entries, nextCursor: next === '0' ? null : next };
    },
    size: () => redis.hlen(key),
  };
}
