import type { Redis } from 'ioredis';
import type { Gauge } from 'prom-client';
import type { Keys } from '../shared/keys.js';

/** Pending members looked at per scrape, at most (stale ones are dropped as they are met). */
const CHECK_PER_SCRAPE = 50;

/**
 * Fills `chatbatch_webhook_oldest_undelivered_seconds` at scrape time: the age of the oldest
 * event still on its way (in the outbox, or queued and not yet delivered or failed), 0 when
 * there is none. Cached for `cacheMs` so a scrape storm costs Redis one call per period.
 *
 * The pending set can keep a member whose job is settled (a relay that died between adding a
 * job and removing its outbox entry relays it again after it was delivered): a member whose job
 * is gone or finished is dropped here, so such a leftover cannot hold the gauge up forever.
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

  async function oldestPending(): Promise<number | undefined> {
    const flat = await redis.zrange(keys.webhookPending, 0, CHECK_PER_SCRAPE - 1, 'WITHSCORES');
    if (flat.length === 0) return undefined;
    const check = redis.pipeline();
    for (let i = 0; i < flat.length; i += 2)
      check
        .hget(`${keys.webhookJobPrefix}${flat[i]!}`, 'finishedOn')
        .exists(`${keys.webhookJobPrefix}${flat[i]!}`);
    const replies = (await check.exec()) ?? [];
    const stale: string[] = [];
    for (let i = 0; i < flat.length; i += 2) {
      const finishedOn = replies[i]?.[1];
      const exists = replies[i + 1]?.[1];
      if (exists === 1 && !finishedOn) {
        if (stale.length > 0) await redis.zrem(keys.webhookPending, ...stale);
        return Number(flat[i + 1]);
      }
      stale.push(flat[i]!);
    }
    // Every member looked at was stale: drop them; the next scrape looks further.
    await redis.zrem(keys.webhookPending, ...stale);
    return undefined;
  }

  return async (gauge: Gauge): Promise<void> => {
    if (!cached || now() - cached.at > cacheMs) {
      try {
        const [head, pending] = await Promise.all([
          redis.lindex(keys.webhookOutbox, 0),
          oldestPending(),
        ]);
        const headAt = head ? /"at":"(\d+)"/.exec(head)?.[1] : undefined;
        const candidates = [pending, headAt ? Number(headAt) : undefined].filter(
          (at): at is number => at !== undefined,
        );
        cached = { at: now(), oldest: candidates.length ? Math.min(...candidates) : undefined };
      } catch {
        // Redis away: keep the last known value rather than failing the whole scrape.
        if (!cached) return;
      }
    }
    gauge.set(cached.oldest === undefined ? 0 : Math.max(0, (now() - cached.oldest) / 1000));
  };
}
