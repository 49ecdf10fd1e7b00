import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows } from '../../src/producer/ingest.js';
import { loadConfig } from '../../src/shared/config.js';
import { openServices, type Services } from '../../src/services.js';
import type { TurnOutcome } from '../../src/store/turn-store.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/**
 * RECORD_TURNS after a Redis failover that lost writes: a worker may come back with the reply
 * of a turn the store no longer expects (it was begun, even recorded, in writes the new
 * primary never got). The store must refuse it rather than record a turn out of order or one
 * sent from a chat it does not know.
 */
let services: Services;
const prefix = uniquePrefix('record-stale');
beforeAll(async () => {
  services = await openServices(loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix }), 'cli');
  const csv = 'conversation_id,agent_id,input\nc1,ag,one\nc1,ag,two\nc1,ag,three\n';
  const report = await ingestRows(services.ingestDeps(), readCsvRows(Readable.from([csv])), {
    batchId: 'b1',
  });
  expect(report.accepted).toBe(1);
});
afterAll(async () => {
  await services.close();
  await deletePrefix(prefix);
});

const outcome = (chatId: string, previousChatId: string | null): TurnOutcome => ({
  outcome: 'completed',
  chatId,
  chatStatus: 'in-progress',
  previousChatId,
  response: [],
  error: null,
  completedAt: Date.now(),
});

describe('recording a turn the store does not expect', () => {
  it('refuses a reply for a later turn than the next one, and changes nothing', async () => {
    const begin = await services.turnStore.begin('b1', 'c1', 1, Date.now(), 30_000);
    expect(begin.kind).toBe('send');
    // Turns 1 and 2 were recorded on a primary that died before replicating them.
    const reply = await services.turnStore.record(
      'b1',
      'c1',
      3,
      outcome('chat-lost-3', 'chat-lost-2'),
    );
    expect(reply).toEqual({ kind: 'stale', nextTurn: 1, state: 'active' });
    const view = await services.batchStore.conversation('b1', 'c1');
    expect(view?.status).toBe('active');
    expect(view?.turns.map((t) => t.status)).toEqual(['pending', 'pending', 'pending']);
    expect((await services.batchStore.status('b1'))?.turns.completed).toBe(0);
  });

  it('refuses a reply sent from another chat than the recorded previous turn', async () => {
    expect(await services.turnStore.record('b1', 'c1', 1, outcome('chat-1', null))).toEqual({
      kind: 'next',
    });
    await services.turnStore.begin('b1', 'c1', 2, Date.now(), 30_000);
    // Turn 1 is recorded as chat-1 here; this reply came from a request sent with a lost one.
    const reply = await services.turnStore.record('b1', 'c1', 2, outcome('chat-2x', 'chat-lost-1'));
    expect(reply).toEqual({ kind: 'stale', nextTurn: 2, state: 'active' });
    expect((await services.batchStore.conversation('b1', 'c1'))?.turns[1]?.status).toBe('pending');
    expect(await services.turnStore.record('b1', 'c1', 2, outcome('chat-2', 'chat-1'))).toEqual({
      kind: 'next',
    });
  });
});
