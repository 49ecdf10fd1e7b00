import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { openServices, type Services } from '../../src/services.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows, type IngestOptions } from '../../src/producer/ingest.js';
import type { TurnOutcome } from '../../src/store/turn-store.js';
import { startWatchdog } from '../../src/worker/watchdog.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/**
 * The worker's store scripts (src/store/lua-turns.ts) against the real Redis: what BEGIN_TURNS,
 * RECORD_TURNS, DEFER_TURN and NOTE_RETRY decide in each state a job can find its turn in.
 */
let services: Services;
let prefix: string;
const LEASE = 30_000;

beforeEach(async () => {
  prefix = uniquePrefix('turns');
  services = await openServices(loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix }), 'cli');
});
afterEach(async () => {
  await services.close();
  await deletePrefix(prefix);
});

async function ingest(csv: string, options: Partial<IngestOptions> & { batchId: string }) {
  return ingestRows(
    services.ingestDeps(),
    readCsvRows(Readable.from([csv]), { source: 't.csv' }),
    options,
  );
}

const twoTurns = 'conversation_id,agent_id,input\nc1,a,first\nc1,a,second\n';

const completed = (chatId: string, at: number): TurnOutcome => ({
  outcome: 'completed',
  chatId,
  chatStatus: 'in-progress',
  previousChatId: null,
  response: [{ role: 'assistant', content: ['hello'] }],
  error: null,
  completedAt: at,
});

describe('BEGIN_TURNS', () => {
  it('sends a pending turn once, then answers busy while its lease runs', async () => {
    await ingest(twoTurns, { batchId: 'b' });
    const now = Date.now();
    const first = await services.turnStore.begin('b', 'c1', 1, now, LEASE);
    expect(first).toMatchObject({ kind: 'send', attempt: 1, input: 'first', agentId: 'a' });
    expect(await services.turnStore.begin('b', 'c1', 1, now + 1, LEASE)).toEqual({
      kind: 'busy',
      leaseUntil: now + LEASE,
    });
    // Once the lease has run out, another attempt may start (the first one's worker died).
    expect(await services.turnStore.begin('b', 'c1', 1, now + LEASE + 1, LEASE)).toMatchObject({
      kind: 'send',
      attempt: 2,
    });
  });

  it('answers recorded for a replayed job, stale for another turn, and gone for no conversation', async () => {
    await ingest(twoTurns, { batchId: 'b' });
    const now = Date.now();
    await services.turnStore.begin('b', 'c1', 1, now, LEASE);
    await services.turnStore.record('b', 'c1', 1, completed('chat-1', now));
    expect(await services.turnStore.begin('b', 'c1', 1, now, LEASE)).toEqual({
      kind: 'recorded',
      nextTurn: 2,
      state: 'active',
    });
    expect(await services.turnStore.begin('b', 'c1', 3, now, LEASE)).toEqual({
      kind: 'stale',
      nextTurn: 2,
    });
    const second = await services.turnStore.begin('b', 'c1', 2, now, LEASE);
    expect(second).toMatchObject({ kind: 'send', previousChatId: 'chat-1', input: 'second' });
    expect(await services.turnStore.begin('b', 'nope', 1, now, LEASE)).toEqual({ kind: 'gone' });
  });

  it('parks a turn of a paused batch and makes a scheduled one wait', async () => {
    const later = Date.now() + 60_000;
    await ingest(twoTurns, { batchId: 'p' });
    await ingest(twoTurns, { batchId: 's', scheduleAt: later });
    await services.batchStore.setState('p', ['running'], 'paused');
    expect(await services.turnStore.begin('p', 'c1', 1, Date.now(), LEASE)).toEqual({
      kind: 'parked',
    });
    expect(await services.redis.smembers(services.keys.parked('p'))).toEqual(['c1']);
    expect(await services.turnStore.begin('s', 'c1', 1, Date.now(), LEASE)).toEqual({
      kind: 'wait',
      until: later,
    });
  });

  it('expires the conversation once the batch deadline has passed', async () => {
    const deadline = Date.now() + 1000;
    await ingest(twoTurns, { batchId: 'e', expireAt: deadline });
    expect(await services.turnStore.begin('e', 'c1', 1, deadline + 1, LEASE)).toEqual({
      kind: 'done',
      state: 'expired',
    });
    const status = await services.batchStore.status('e');
    expect(status?.conversations).toMatchObject({ pending: 0, expired: 1 });
    expect(status?.turns).toMatchObject({ pending: 0, expired: 2 });
  });
});

describe('RECORD_TURNS', () => {
  it('answers dup for a repeated record and keeps the first', async () => {
    await ingest(twoTurns, { batchId: 'r' });
    const now = Date.now();
    await services.turnStore.begin('r', 'c1', 1, now, LEASE);
    expect(await services.turnStore.record('r', 'c1', 1, completed('chat-1', now))).toEqual({
      kind: 'next',
    });
    expect(await services.turnStore.record('r', 'c1', 1, completed('chat-X', now))).toEqual({
      kind: 'dup',
      nextTurn: 2,
      state: 'active',
    });
    const view = await services.batchStore.conversation('r', 'c1');
    expect(view?.turns[0]?.chatId).toBe('chat-1');
    expect((await services.batchStore.status('r'))?.turns.completed).toBe(1);
  });

  it('keeps the reply of a turn in flight when its conversation was cancelled', async () => {
    await ingest(twoTurns, { batchId: 'c' });
    const now = Date.now();
    await services.turnStore.begin('c', 'c1', 1, now, LEASE);
    await services.batchStore.closeConversations('c', 'cancelled');
    expect(await services.turnStore.record('c', 'c1', 1, completed('chat-1', now))).toEqual({
      kind: 'cancelled',
    });
    const view = await services.batchStore.conversation('c', 'c1');
    expect(view?.status).toBe('cancelled');
    expect(view?.turns.map((t) => [t.status, t.chatId])).toEqual([
      ['completed', 'chat-1'],
      ['cancelled', null],
    ]);
  });
});

describe('RECORD_TURNS and retention', () => {
  const threeConversations = 'conversation_id,agent_id,input\nc1,a,x\nc2,a,y\nc3,a,z\n';
  const batchTtl = () => services.redis.ttl(services.keys.batch('b'));

  it('refreshes the batch keys at most once a minute while it runs, and when it finishes', async () => {
    await ingest(threeConversations, { batchId: 'b' });
    const keys = [services.keys.batch('b'), services.keys.order('b')];
    const retention = services.config.retentionSeconds;
    const now = Date.now();
    await services.turnStore.record('b', 'c1', 1, completed('chat-1', now), { fast: true });
    expect(await batchTtl()).toBeGreaterThan(retention - 60);
    // Within the minute: no refresh (shortened here to see it).
    for (const key of keys) await services.redis.expire(key, 1000);
    await services.turnStore.record('b', 'c2', 1, completed('chat-2', now + 30_000), {
      fast: true,
    });
    for (const key of keys) expect(await services.redis.ttl(key)).toBeLessThanOrEqual(1000);
    // The batch's last conversation finishes it: refreshed, whenever the last refresh was.
    await services.turnStore.record('b', 'c3', 1, completed('chat-3', now + 31_000), {
      fast: true,
    });
    for (const key of keys) expect(await services.redis.ttl(key)).toBeGreaterThan(retention - 60);
    expect(await services.redis.hget(services.keys.batch('b'), 'finishedAt')).toBe(
      String(now + 31_000),
    );
  });

  it('refreshes a running batch again once the minute has passed', async () => {
    await ingest(threeConversations, { batchId: 'b' });
    const now = Date.now();
    await services.turnStore.record('b', 'c1', 1, completed('chat-1', now), { fast: true });
    await services.redis.expire(services.keys.batch('b'), 1000);
    await services.turnStore.record('b', 'c2', 1, completed('chat-2', now + 60_000), {
      fast: true,
    });
    expect(await batchTtl()).toBeGreaterThan(services.config.retentionSeconds - 60);
    expect(await services.redis.hget(services.keys.batch('b'), 'finishedAt')).toBeNull();
  });
});

describe('DEFER_TURN and NOTE_RETRY', () => {
  it('gives a deferred attempt back and makes the conversation pending again', async () => {
    await ingest(twoTurns, { batchId: 'd' });
    const now = Date.now();
    await services.turnStore.begin('d', 'c1', 1, now, LEASE);
    expect((await services.batchStore.status('d'))?.conversations.active).toBe(1);
    await services.turnStore.defer('d', 'c1', 1);
    expect((await services.batchStore.status('d'))?.conversations).toMatchObject({
      pending: 1,
      active: 0,
    });
    // No lease left, and the next attempt is attempt 1 again.
    expect(await services.turnStore.begin('d', 'c1', 1, now, LEASE)).toMatchObject({
      kind: 'send',
      attempt: 1,
    });
  });

  it('frees the lease for the retry, refunding the attempt only when asked', async () => {
    await ingest(twoTurns, { batchId: 'n' });
    const now = Date.now();
    const error = { code: 'http_503', httpStatus: 503, message: 'unavailable' };
    await services.turnStore.begin('n', 'c1', 1, now, LEASE);
    await services.turnStore.noteRetry('n', 'c1', 1, error);
    expect(await services.turnStore.begin('n', 'c1', 1, now, LEASE)).toMatchObject({
      attempt: 2,
    });
    await services.turnStore.noteRetry('n', 'c1', 1, error, true);
    expect(await services.turnStore.begin('n', 'c1', 1, now, LEASE)).toMatchObject({
      attempt: 2,
    });
  });
});

describe('the watchdog in a healthy run', () => {
  it('does not requeue a conversation caught between recording a turn and queuing the next', async () => {
    await ingest(twoTurns, { batchId: 'h' });
    const now = Date.now();
    await services.turnStore.begin('h', 'c1', 1, now, LEASE);
    await services.turnStore.record('h', 'c1', 1, completed('chat-1', now));
    // The worker has recorded turn 1 and is about to queue turn 2: a sweep lands here.
    const lines: string[] = [];
    const logger = createLogger('warn', {
      write: (line: string) => lines.push(line),
    } as unknown as NodeJS.WritableStream);
    let clock = now;
    const watchdog = startWatchdog({
      maintenance: services.maintenance,
      turnQueue: services.turnQueue,
      logger,
      now: () => clock,
      expireBatch: async () => 0,
      dropStaging: async () => undefined,
      intervalMs: 60_000,
    });
    try {
      expect(await watchdog.sweep()).toBe(0);
      expect(lines).toEqual([]);
      // Had the worker really died there, the next sweep would queue turn 2.
      clock += 60_000;
      expect(await watchdog.sweep()).toBe(1);
      expect(lines.join('')).toMatch(/requeued conversations that had no job/);
    } finally {
      watchdog.stop();
    }
  });
});
