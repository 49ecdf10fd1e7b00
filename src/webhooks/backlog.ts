import type { Redis } from 'ioredis';
import type { Gauge } from 'prom-client';
import type { Keys } from '../shared/keys.js';

/**
 * Fills `chatbatch_webhook_oldest_undelivered_seconds` at scrape time: the age of the oldest
 * event still on its way (in the outbox, or queued and not yet delivered or failed), 0 when
 * there is none. Cached for `cacheMs` so a scrape storm costs Redis one call per period.
 */
export function webhookBacklogCollector(deps: {
  redis: Redis;
  keys: Keys;
  now: () => number;
  cacheMs?: number;
}) {
  const { redis, keys, now } = deps;
  const cacheMs = deps.cacheMs ?? 2000;
  let cached: { at: number; oldest: number | undefined } | undefined;
  return async (gauge: Gauge): Promise<void> => {
    if (!cached || now() - cached.at > cacheMs) {
      try {
        const [head, first] = await Promise.all([
          redis.lindex(keys.webhookOutbox, 0),
          redis.zrange(keys.webhookPending, 0, 0, 'WITHSCORES'),
        ]);
        const candidates: number[] = [];
        if (first[1] !== undefined) candidates.push(Number(first[1]));
        const headAt = head ? /"at":"(\d+)"/.exec(head)?.[1] : undefined;
        if (headAt) candidates.push(Number(headAt));
        cached = { at: now(), oldest: candidates.length ? Math.min(...candidates) : undefined };
      } catch {
        // Redis away: keep the last known value rather than failing the whole scrape.
        if (!cached) return;
      }
    }
    gauge.set(cached.oldest === undefined ? 0 : Math.max(0, (now() - cached.oldest) / 1000));
  };
}
