import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { TurnRef } from './batch-store.js';
import { storeScripts } from './scripts.js';
import { stagingKeysOf } from './ingest-store.js';

/** Why the whole queue is paused, when the vendor refused our API key. */
export interface AuthPause {
  code: string;
  httpStatus: number;
  at: string;
}

/**
 * Store operations that keep the system healthy rather than serve a batch: the stuck-work
 * watchdog's scan and the vendor-credential pause flag.
 */
export interface MaintenanceStore {
  /**
   * Batches that still have pending or active conversations and are not cancelled (running,
   * scheduled or paused): the ones whose conversations may need a job.
   */
  unfinishedBatches(now: number): Promise<string[]>;
  /** Unfinished batches whose deadline (expireAt) has passed. */
  overdueBatches(now: number): Promise<string[]>;
  /** Conversations of a batch that should be moving but have no job (see FIND_STUCK). */
  findStuck(batchId: string, now: number, chunk?: number): Promise<TurnRef[]>;
  /**
   * Of the conversations `findStuck` reports now, those it also reported, at the same turn,
   * at the previous sweep (at least `minAgeMs` ago): stuck for real, not caught in the moment
   * between two steps of a healthy run. Remembers the rest for the next sweep.
   */
  confirmStuck(
    batchId: string,
    found: TurnRef[],
    now: number,
    minAgeMs: number,
  ): Promise<TurnRef[]>;
  /** Ingest runs whose liveness key expired while they still had rows staged: run → batch. */
  deadIngestRuns(): Promise<{ runId: string; batchId: string }[]>;
  /** Takes the watchdog lock for `ms`; false when another worker holds it. */
  takeWatchdogLock(owner: string, ms: number): Promise<boolean>;
  /** Records why the queue was paused and marks every running batch paused. */
  setAuthPause(reason: AuthPause): Promise<void>;
  authPause(): Promise<AuthPause | undefined>;
  /** Clears the flag; true when it was set (the caller then resumes the queue). */
  clearAuthPause(): Promise<boolean>;
}

export function createMaintenanceStore(deps: {
  redis: Redis;
  keys: Keys;
  now?: () => number;
}): MaintenanceStore {
  const { redis, keys } = deps;
  const now = deps.now ?? Date.now;
  const run = storeScripts(redis);

  async function batchesInState(
    wanted: (
      state: string | null,
      unfinished: number,
      expireAt: number,
      scheduledAt: number,
    ) => boolean,
  ) {
    const ids = await redis.zrange(keys.batches, 0, -1);
    const pipeline = redis.pipeline();
    for (const id of ids)
      pipeline.hmget(keys.batch(id), 'state', 'c:pending', 'c:active', 'expireAt', 'scheduledAt');
    const replies = (await pipeline.exec()) ?? [];
    return ids.filter((_, i) => {
      const [state, pending, active, expireAt, scheduledAt] = (replies[i]?.[1] ?? []) as (
        string | null
      )[];
      return wanted(
        state ?? null,
        Number(pending ?? 0) + Number(active ?? 0),
        expireAt ? Number(expireAt) : Infinity,
        scheduledAt ? Number(scheduledAt) : 0,
      );
    });
  }

  return {
    overdueBatches: (now) =>
      batchesInState(
        (state, unfinished, expireAt) => state !== null && unfinished > 0 && expireAt <= now,
      ),

    // A batch not started yet has no jobs on purpose: its kickoff job queues them at its start.
    unfinishedBatches: (now) =>
      batchesInState(
        (state, unfinished, _expireAt, scheduledAt) =>
          state !== null && state !== 'cancelled' && unfinished > 0 && !(scheduledAt > now),
      ),

    async findStuck(batchId, now, chunk = 1000) {
      const stuck: TurnRef[] = [];
      const length = await redis.zcard(keys.order(batchId));
      for (let start = 0; start < length; start += chunk) {
        const reply = (await run('cbFindStuck', [
          keys.order(batchId),
          keys.parked(batchId),
          keys.conversationPrefix(batchId),
          keys.jobPrefix,
          batchId,
          now,
          start,
          chunk,
        ])) as string[];
        for (let i = 0; i < reply.length; i += 2) {
          stuck.push({ conversationId: reply[i]!, turn: Number(reply[i + 1]) });
        }
      }
      return stuck;
    },

    async confirmStuck(batchId, found, now, minAgeMs) {
      const key = keys.watchdogSuspects(batchId);
      const seen = await redis.hgetall(key);
      const confirmed: TurnRef[] = [];
      const again: Record<string, string> = {};
      for (const ref of found) {
        const [turn, since] = (seen[ref.conversationId] ?? '').split(':').map(Number);
        if (turn === ref.turn && since !== undefined && now - since >= minAgeMs) {
          confirmed.push(ref);
        } else {
          again[ref.conversationId] = `${ref.turn}:${turn === ref.turn && since ? since : now}`;
        }
      }
      // Only this sweep's suspects are kept: one that moved on is forgotten.
      const write = redis.multi().del(key);
      if (Object.keys(again).length > 0)
        write.hset(key, again).pexpire(key, Math.max(60_000, minAgeMs * 4));
      await write.exec();
      return confirmed;
    },

    async deadIngestRuns() {
      const runs = await redis.hgetall(keys.stagingRuns);
      const ids = Object.keys(runs);
      if (ids.length === 0) return [];
      const pipeline = redis.pipeline();
      for (const runId of ids) pipeline.exists(stagingKeysOf(keys, runId).alive);
      const alive = (await pipeline.exec()) ?? [];
      return ids
        .filter((_, i) => Number(alive[i]?.[1] ?? 1) === 0)
        .map((runId) => ({ runId, batchId: runs[runId]! }));
    },

    async takeWatchdogLock(owner, ms) {
      return (await redis.set(keys.watchdogLock, owner, 'PX', ms, 'NX')) === 'OK';
    },

    async setAuthPause(reason) {
      await redis.set(keys.authPause, JSON.stringify(reason));
      const pauseReason = JSON.stringify({
        source: 'vendor_credentials',
        code: reason.code,
        httpStatus: reason.httpStatus,
      });
      for (const id of await batchesInState((state) => state === 'running')) {
        // A compare-and-set (a batch cancelled meanwhile stays cancelled) that also reports
        // the pause to the batch's webhook.
        await run('cbSetBatchState', [
          keys.batch(id),
          'running',
          'paused',
          now(),
          pauseReason,
          reason.code,
        ]);
      }
    },

    async authPause() {
      const raw = await redis.get(keys.authPause);
      return raw ? (JSON.parse(raw) as AuthPause) : undefined;
    },

    async clearAuthPause() {
      return (await redis.del(keys.authPause)) === 1;
    },
  };
}
