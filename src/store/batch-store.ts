import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { BatchStatus, TurnRecord } from '../shared/records.js';
import { batchStatusFromHash, PAUSED_BY_OPERATOR } from './batch-status.js';
import type { SendWindow } from '../shared/send-window.js';
import { storeScripts } from './scripts.js';
import { turnRecordFromHash, turnRecordsOfConversation } from './turn-records.js';

/** A conversation's next turn that needs a job. */
export interface TurnRef {
  conversationId: string;
  turn: number;
}

export interface ConversationView {
  batchId: string;
  conversationId: string;
  agentId: string;
  status: string;
  turns: TurnRecord[];
}

export interface BatchStore {
  /** Creates the batch if new; returns whether it was created. */
  ensureBatch(batchId: string, settings: BatchSettings): Promise<boolean>;
  status(batchId: string): Promise<BatchStatus | undefined>;
  list(offset: number, limit: number): Promise<{ batchIds: string[]; total: number }>;
  /**
   * Moves the batch from one of `from` to `to`; false when it was in none of them. Pausing
   * records why (`pausedReason`, default `operator`); any other move clears the reason.
   */
  setState(batchId: string, from: string[], to: string, pausedReason?: string): Promise<boolean>;
  /** Closes every unfinished conversation as cancelled or expired; returns how many. */
  closeConversations(batchId: string, as: 'cancelled' | 'expired'): Promise<number>;
  takeParked(batchId: string, chunk: number): Promise<TurnRef[]>;
  takeFailed(batchId: string, chunk: number): Promise<TurnRef[]>;
  results(batchId: string, pageSize?: number): AsyncGenerator<TurnRecord>;
  conversation(batchId: string, conversationId: string): Promise<ConversationView | undefined>;
}

/** Settings fixed when a batch is created (a later ingest into it does not change them). */
export interface BatchSettings {
  agentId?: string;
  /** Nothing is sent before this time (ms since the epoch). */
  scheduledAt?: number;
  /** Turns not sent by this time (ms) become expired. */
  expireAt?: number;
  /** Send only inside this window of each recipient's local time. */
  window?: SendWindow;
}

const SEPARATOR = '\u001f';

function pairs(reply: unknown[]): TurnRef[] {
  const refs: TurnRef[] = [];
  for (let i = 0; i < reply.length; i += 2) {
    refs.push({ conversationId: String(reply[i]), turn: Number(reply[i + 1]) });
  }
  return refs;
}

export function createBatchStore(deps: {
  redis: Redis;
  keys: Keys;
  now: () => number;
  retentionSeconds: number;
}): BatchStore {
  const { redis, keys, now, retentionSeconds } = deps;
  const run = storeScripts(redis);

  async function* orderEntries(batchId: string, pageSize: number): AsyncGenerator<string[]> {
    for (let start = 0; ; start += pageSize) {
      const page = await redis.lrange(keys.order(batchId), start, start + pageSize - 1);
      if (page.length === 0) return;
      yield page;
      if (page.length < pageSize) return;
    }
  }

  return {
    async ensureBatch(batchId, settings) {
      const createdAt = now();
      const created = await redis.hsetnx(keys.batch(batchId), 'createdAt', createdAt);
      if (created === 1) {
        const fields: Record<string, string | number> = {
          state: settings.scheduledAt && settings.scheduledAt > createdAt ? 'scheduled' : 'running',
        };
        if (settings.agentId) fields.agentId = settings.agentId;
        if (settings.scheduledAt) fields.scheduledAt = settings.scheduledAt;
        if (settings.expireAt) fields.expireAt = settings.expireAt;
        if (settings.window) fields.window = JSON.stringify(settings.window);
        await redis
          .multi()
          .hset(keys.batch(batchId), fields)
          .expire(keys.batch(batchId), retentionSeconds)
          .zadd(keys.batches, 'NX', createdAt, batchId)
          .exec();
      }
      return created === 1;
    },

    async status(batchId) {
      const hash = await redis.hgetall(keys.batch(batchId));
      if (!hash.createdAt) return undefined;
      return batchStatusFromHash(batchId, hash, now());
    },

    async list(offset, limit) {
      const [batchIds, total] = await Promise.all([
        redis.zrevrange(keys.batches, offset, offset + limit - 1),
        redis.zcard(keys.batches),
      ]);
      return { batchIds, total };
    },

    async setState(batchId, from, to, pausedReason = PAUSED_BY_OPERATOR) {
      const key = keys.batch(batchId);
      const state = await redis.hget(key, 'state');
      if (state === null || !from.includes(state)) return false;
      if (to === 'paused') await redis.hset(key, 'state', to, 'pausedReason', pausedReason);
      else await redis.multi().hset(key, 'state', to).hdel(key, 'pausedReason').exec();
      return true;
    },

    async closeConversations(batchId, as) {
      let cancelled = 0;
      for await (const page of orderEntries(batchId, 1000)) {
        // Each conversation appears once with turn 1 in the order list.
        const ids = page
          .filter((entry) => entry.endsWith(`${SEPARATOR}1`))
          .map((entry) => entry.slice(0, -2));
        if (ids.length === 0) continue;
        cancelled += Number(
          await run('cbCancelConversations', [
            keys.batch(batchId),
            keys.conversationPrefix(batchId),
            now(),
            as,
            ...ids,
          ]),
        );
      }
      return cancelled;
    },

    async takeParked(batchId, chunk) {
      const reply = (await run('cbTakeParked', [
        keys.batch(batchId),
        keys.parked(batchId),
        chunk,
        keys.conversationPrefix(batchId),
      ])) as unknown[];
      return pairs(reply);
    },

    async takeFailed(batchId, chunk) {
      const reply = (await run('cbRetryFailed', [
        keys.batch(batchId),
        keys.failed(batchId),
        keys.conversationPrefix(batchId),
        chunk,
      ])) as unknown[];
      return pairs(reply);
    },

    async *results(batchId, pageSize = 1000) {
      for await (const page of orderEntries(batchId, pageSize)) {
        const refs = page.map((entry) => {
          const cut = entry.lastIndexOf(SEPARATOR);
          return { conversationId: entry.slice(0, cut), turn: Number(entry.slice(cut + 1)) };
        });
        const distinct = [...new Set(refs.map((ref) => ref.conversationId))];
        const pipeline = redis.pipeline();
        for (const id of distinct) pipeline.hgetall(keys.conversation(batchId, id));
        const replies = (await pipeline.exec()) ?? [];
        const hashes = new Map<string, Record<string, string>>();
        distinct.forEach((id, i) =>
          hashes.set(id, (replies[i]?.[1] ?? {}) as Record<string, string>),
        );
        for (const ref of refs) {
          const record = turnRecordFromHash(
            batchId,
            ref.conversationId,
            ref.turn,
            hashes.get(ref.conversationId)!,
          );
          if (record) yield record;
        }
      }
    },

    async conversation(batchId, conversationId) {
      const hash = await redis.hgetall(keys.conversation(batchId, conversationId));
      if (!hash.s) return undefined;
      return {
        batchId,
        conversationId,
        agentId: hash.ag ?? '',
        status: hash.s,
        turns: turnRecordsOfConversation(batchId, conversationId, hash),
      };
    },
  };
}
