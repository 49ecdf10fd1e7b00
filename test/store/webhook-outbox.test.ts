import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createBatchControl } from '../../src/producer/batch-control.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows, type IngestOptions } from '../../src/producer/ingest.js';
import { openServices, type Services } from '../../src/services.js';
import { loadConfig } from '../../src/shared/config.js';
import { deliveryFromEntry, type WebhookBody } from '../../src/webhooks/events.js';
import type { ConversationFinishedData } from '../../src/webhooks/events.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/**
 * The emission points of the store scripts: each state change a webhook reports writes its
 * event to the outbox in the same script, once, and only for batches with a webhook URL.
 */

const URL_A = 'https://hooks.example.com/a';
let services: Services | undefined;
let prefix = '';

afterEach(async () => {
  await services?.close();
  services = undefined;
  await deletePrefix(prefix);
});

async function open(): Promise<Services> {
  prefix = uniquePrefix('wh-outbox');
  services = await openServices(loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix }), 'cli');
  return services;
}

function csv(conversations: number, turns: number): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let c = 1; c <= conversations; c++)
    for (let t = 1; t <= turns; t++) lines.push(`c${c},agent-1,hello ${c}.${t}`);
  return `${lines.join('\n')}\n`;
}

async function ingest(s: Services, text: string, options: IngestOptions) {
  return ingestRows(
    s.ingestDeps(),
    readCsvRows(Readable.from([text]), { source: 't.csv' }),
    options,
  );
}

async function outbox(s: Services): Promise<{ raw: string; body: WebhookBody; id: string }[]> {
  const raw = await s.redis.lrange(s.keys.webhookOutbox, 0, -1);
  return raw.map((text) => {
    const delivery = deliveryFromEntry(text, s.keys);
    return { raw: text, body: JSON.parse(delivery.body) as WebhookBody, id: delivery.id };
  });
}

/** Runs turn k of a conversation to the given outcome through the worker's own store calls. */
async function finishTurn(
  s: Services,
  batchId: string,
  conversationId: string,
  k: number,
  outcome: 'completed' | 'failed' = 'completed',
) {
  const now = Date.now();
  const begun = await s.turnStore.begin(batchId, conversationId, k, now, 10_000);
  expect(begun.kind).toBe('send');
  return s.turnStore.record(batchId, conversationId, k, {
    outcome,
    chatId: outcome === 'completed' ? `chat-${conversationId}-${k}` : null,
    chatStatus: outcome === 'completed' ? 'in-progress' : null,
    previousChatId: k > 1 ? `chat-${conversationId}-${k - 1}` : null,
    response: outcome === 'completed' ? [{ role: 'agent', content: 'hi' }] : null,
    error:
      outcome === 'failed' ? { code: 'http_422', httpStatus: 422, message: 'unprocessable' } : null,
    completedAt: now,
  });
}

describe('webhook events in the outbox', () => {
  it('batch.completed once when the batch settles, with the status JSON; nothing without a URL', async () => {
    const s = await open();
    await ingest(s, csv(2, 2), { batchId: 'hooked', webhookUrl: URL_A });
    await ingest(s, csv(1, 1), { batchId: 'plain' });
    for (const c of ['c1', 'c2']) for (const k of [1, 2]) await finishTurn(s, 'hooked', c, k);
    await finishTurn(s, 'plain', 'c1', 1);

    const events = await outbox(s);
    expect(events.map((e) => e.body.type)).toEqual(['batch.completed']);
    const { body } = events[0]!;
    expect(body.data).toEqual(await s.batchStore.status('hooked'));
    expect(body.data).toMatchObject({
      batchId: 'hooked',
      state: 'completed',
      conversations: { total: 2, completed: 2 },
      turns: { total: 4, completed: 4 },
    });
    expect(Date.parse(body.timestamp)).toBeGreaterThan(Date.now() - 60_000);
    expect(JSON.parse(events[0]!.raw).url).toBe(URL_A);
  });

  it('a batch that settles again (retry-failed, then done) gets a second batch.completed with a new id', async () => {
    const s = await open();
    await ingest(s, csv(1, 1), { batchId: 'again', webhookUrl: URL_A });
    await finishTurn(s, 'again', 'c1', 1, 'failed');
    const control = createBatchControl({
      batchStore: s.batchStore,
      turnQueue: () => s.turnQueue,
      maintenance: s.maintenance,
    });
    await control.run('retry-failed', 'again');
    await finishTurn(s, 'again', 'c1', 1);
    const events = await outbox(s);
    expect(events.map((e) => e.body.type)).toEqual(['batch.completed', 'batch.completed']);
    expect(events[0]!.id).not.toBe(events[1]!.id);
    expect(
      (events[1]!.body.data as { conversations: { completed: number } }).conversations,
    ).toMatchObject({ completed: 1, failed: 0 });
  });

  it('conversation.finished only when opted in, with the final turn record', async () => {
    const s = await open();
    await ingest(s, csv(2, 2), {
      batchId: 'convs',
      webhookUrl: URL_A,
      webhookEvents: ['conversation.finished'],
    });
    await finishTurn(s, 'convs', 'c1', 1);
    await finishTurn(s, 'convs', 'c1', 2);
    await finishTurn(s, 'convs', 'c2', 1, 'failed');
    const events = await outbox(s);
    expect(events.map((e) => e.body.type)).toEqual([
      'conversation.finished',
      'conversation.finished',
      'batch.completed',
    ]);
    const first = events[0]!.body.data as ConversationFinishedData;
    expect(first).toMatchObject({ batchId: 'convs', conversationId: 'c1', state: 'completed' });
    expect(first.finalTurn).toMatchObject({
      turn: 2,
      status: 'completed',
      chatId: 'chat-c1-2',
      previousChatId: 'chat-c1-1',
      input: 'hello 1.2',
      attempts: 1,
    });
    const second = events[1]!.body.data as ConversationFinishedData;
    expect(second).toMatchObject({ conversationId: 'c2', state: 'failed' });
    expect(second.finalTurn).toMatchObject({
      turn: 1,
      status: 'failed',
      error: { code: 'http_422' },
    });
  });

  it('pause (operator) and cancel write batch.paused with the reason and batch.cancelled, once each', async () => {
    const s = await open();
    await ingest(s, csv(3, 1), { batchId: 'ctl', webhookUrl: URL_A });
    const control = createBatchControl({
      batchStore: s.batchStore,
      turnQueue: () => s.turnQueue,
      maintenance: s.maintenance,
    });
    await control.run('pause', 'ctl');
    await control.run('pause', 'ctl'); // no change, no event
    await control.run('cancel', 'ctl');
    const events = await outbox(s);
    expect(events.map((e) => e.body.type)).toEqual([
      'batch.paused',
      'batch.cancelled',
      'batch.completed',
    ]);
    expect(events[0]!.body.data).toMatchObject({ state: 'paused', reason: { source: 'operator' } });
    expect(events[1]!.body.data).toMatchObject({ state: 'cancelled' });
    expect(events[2]!.body.data).toMatchObject({
      state: 'cancelled',
      conversations: { cancelled: 3, pending: 0 },
    });
  });

  it('the vendor-credential pause writes batch.paused with the vendor reason', async () => {
    const s = await open();
    await ingest(s, csv(1, 1), { batchId: 'auth', webhookUrl: URL_A });
    await s.maintenance.setAuthPause({
      code: 'http_401',
      httpStatus: 401,
      at: new Date().toISOString(),
    });
    const events = await outbox(s);
    expect(events.map((e) => e.body.type)).toEqual(['batch.paused']);
    expect(events[0]!.body.data).toMatchObject({
      state: 'paused',
      reason: { source: 'vendor_credentials', code: 'http_401', httpStatus: 401 },
    });
  });

  it('expiry (watchdog close and begin past the deadline) writes one batch.expired', async () => {
    const s = await open();
    const expireAt = Date.now() + 60_000;
    await ingest(s, csv(3, 1), {
      batchId: 'exp',
      webhookUrl: URL_A,
      webhookEvents: ['conversation.finished'],
      expireAt,
    });
    // A job that begins after the deadline expires its conversation.
    const begun = await s.turnStore.begin('exp', 'c1', 1, expireAt + 1, 10_000);
    expect(begun).toEqual({ kind: 'done', state: 'expired' });
    // The watchdog closes the rest.
    await s.batchStore.closeConversations('exp', 'expired');
    const types = (await outbox(s)).map((e) => e.body.type);
    expect(types.filter((t) => t === 'batch.expired')).toHaveLength(1);
    expect(types.filter((t) => t === 'conversation.finished')).toHaveLength(3);
    expect(types.at(-1)).toBe('batch.completed');
  });

  it('a replayed record (its reply was lost) emits nothing more', async () => {
    const s = await open();
    await ingest(s, csv(1, 1), {
      batchId: 'dup',
      webhookUrl: URL_A,
      webhookEvents: ['conversation.finished'],
    });
    const result = {
      outcome: 'completed' as const,
      chatId: 'chat-1',
      chatStatus: 'in-progress' as const,
      previousChatId: null,
      response: [],
      error: null,
      completedAt: Date.now(),
    };
    await s.turnStore.begin('dup', 'c1', 1, Date.now(), 10_000);
    await s.turnStore.record('dup', 'c1', 1, result);
    expect((await s.turnStore.record('dup', 'c1', 1, result)).kind).toBe('dup');
    expect((await outbox(s)).map((e) => e.body.type)).toEqual([
      'conversation.finished',
      'batch.completed',
    ]);
  });
});
