import type { Redis } from 'ioredis';
import type { Keys } from '../shared/keys.js';
import type { BatchStatus, TurnRecord } from '../shared/records.js';
import { batchStatusFromHash } from './batch-status.js';
import { readConversationPage, type ConversationPage } from './conversation-page.js';
import type { SendWindow } from '../shared/send-window.js';
import type { FrequencyCap } from '../shared/frequency-cap.js';
import type { Priority } from './lane-store.js';
import { storeScripts } from './scripts.js';
import { turnRecordFields, turnRecordFromHash, turnRecordsOfConversation } from './turn-records.js';
import type { OptInEventType } from '../shared/webhook-settings.js';

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
   * Moves the batch to `to` if it is in one of `from`; true when it did. A move to `cancelled`
   * or `paused` is reported to the batch's webhook (with `pauseReason` for a pause).
   */
  setState(
    batchId: string,
    from: string[],
    to: string,
    pauseReason?: PauseReason,
  ): Promise<boolean>;
  /** The batch's committed conversations (their first turns), a page at a time, in input order. */
  committed(batchId: string, pageSize?: number): AsyncGenerator<TurnRef[]>;
  /** Closes every unfinished conversation as cancelled or expired; returns how many. */
  closeConversations(batchId: string, as: 'cancelled' | 'expired'): Promise<number>;
  takeParked(batchId: string, chunk: number): Promise<TurnRef[]>;
  takeFailed(batchId: string, chunk: number): Promise<TurnRef[]>;
  results(batchId: string, pageSize?: number): AsyncGenerator<TurnRecord>;
  conversation(batchId: string, conversationId: string): Promise<ConversationView | undefined>;
  /**
   * A page of the batch's conversations in input order; `offset` is a position in that order
   * (0, then the page's `nextOffset`). See conversation-page.ts.
   */
  conversations(batchId: string, offset: number, limit: number): Promise<ConversationPage>;
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
  /** At most this many conversations started per recipient in the period (all batches). */
  frequencyCap?: FrequencyCap;
  /** The batch's lane (default normal) and its weight in it (default 1): see lua-lanes.ts. */
  priority?: Priority;
  weight?: number;
  /** Where the batch's webhook events go; none: no events. */
  webhookUrl?: string;
  /** Opt-in event types on top of the batch events (e.g. `conversation.finished`). */
  webhookEvents?: readonly OptInEventType[];
}

/** Why a batch was paused, as its `batch.paused` webhook event says. */
export type PauseReason =
  { source: 'operator' } | { source: 'vendor_credentials'; code: string; httpStatus: number };

const SEPARATOR = '\u001f';

/** `conversationId \u001f turn`, as the order holds it. */
function parseOrderEntry(entry: string): TurnRef {
  const cut = entry.lastIndexOf(SEPARATOR);
  return { conversationId: entry.slice(0, cut), turn: Number(entry.slice(cut + 1)) };
}

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

  /** The batch's order, a page at a time (by rank: each page is one bounded ZRANGE). */
  async function* orderEntries(batchId: string, pageSize: number): AsyncGenerator<TurnRef[]> {
    for (let start = 0; ; start += pageSize) {
      const page = await redis.zrange(keys.order(batchId), start, start + pageSize - 1);
      if (page.length === 0) return;
      yield page.map(parseOrderEntry);
      if (page.length < pageSize) return;
    }
  }

  async function* committedConversations(
    batchId: string,
    pageSize = 1000,
  ): AsyncGenerator<TurnRef[]> {
    for await (const page of orderEntries(batchId, pageSize)) {
      // Each committed conversation appears once with turn 1 in the order.
      const firsts = page.filter((ref) => ref.turn === 1);
      if (firsts.length > 0) yield firsts;
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
        if (settings.priority && settings.priority !== 'normal')
          fields.priority = settings.priority;
        if (settings.weight && settings.weight !== 1) fields.weight = settings.weight;
        // As the begin script reads it (lua-rules.ts): `count:periodMs`.
        if (settings.frequencyCap)
          fields.fcap = `${settings.frequencyCap.count}:${settings.frequencyCap.periodMs}`;
        // Read by the store scripts that emit webhook events (lua-events.ts).
        if (settings.webhookUrl) fields.webhookUrl = settings.webhookUrl;
        if (settings.webhookUrl && settings.webhookEvents?.length)
          fields.webhookEvents = settings.webhookEvents.join(',');
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

    async setState(batchId, from, to, pauseReason) {
      const changed = await run('cbSetBatchState', [
        keys.batch(batchId),
        from.join(' '),
        to,
        now(),
        pauseReason ? JSON.stringify(pauseReason) : '',
        pauseReason?.source === 'vendor_credentials' ? pauseReason.code : '',
      ]);
      return Number(changed) === 1;
    },

    committed: committedConversations,

    async closeConversations(batchId, as) {
      let cancelled = 0;
      for await (const page of committedConversations(batchId)) {
        const ids = page.map((ref) => ref.conversationId);
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
      for await (const refs of orderEntries(batchId, pageSize)) {
        // Only the fields of the page's turns: a long conversation costs a page what its turns
        // on that page cost, not its whole hash.
        const turnsOf = new Map<string, number[]>();
        for (const ref of refs) {
          const list = turnsOf.get(ref.conversationId) ?? [];
          list.push(ref.turn);
          turnsOf.set(ref.conversationId, list);
        }
        const pipeline = redis.pipeline();
        const asked: [string, string[]][] = [];
        for (const [id, turns] of turnsOf) {
          const fields = turnRecordFields(turns);
          asked.push([id, fields]);
          pipeline.hmget(keys.conversation(batchId, id), ...fields);
        }
        const replies = (await pipeline.exec()) ?? [];
        const hashes = new Map<string, Record<string, string>>();
        asked.forEach(([id, fields], i) => {
          const values = (replies[i]?.[1] ?? []) as (string | null)[];
          const hash: Record<string, string> = {};
          fields.forEach((field, j) => {
            const value = values[j];
            if (value !== null && value !== undefined) hash[field] = value;
          });
          hashes.set(id, hash);
        });
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

    conversations(batchId, offset, limit) {
      return readConversationPage({ redis, keys }, batchId, offset, limit);
    },
  };
}
