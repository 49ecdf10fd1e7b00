import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import { parseTurnJob } from '../../src/shared/turn-queue.js';
import { openServices, type Services } from '../../src/services.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows } from '../../src/producer/ingest.js';
import type { TurnOutcome } from '../../src/store/turn-store.js';
import { fastPathRequest } from '../../src/worker/fast-path.js';
import { optOutTest } from '../../src/shared/opt-out.js';
import { REDIS_URL, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/**
 * The first-delivery fast path, as the store sees it: what an ingest puts in a first turn's job,
 * how the record and retry steps count an attempt that began nowhere, and the fence a replayed
 * eligible job meets in the begin step.
 */
let services: Services;
let prefix: string;
const LEASE = 30_000;

beforeEach(async () => {
  prefix = uniquePrefix('fast');
  services = await openServices(loadConfig({ REDIS_URL, CHATBATCH_PREFIX: prefix }), 'cli');
});
afterEach(async () => {
  await services.close();
  await deletePrefix(prefix);
});

async function ingest(csv: string, batchId: string) {
  return ingestRows(services.ingestDeps(), readCsvRows(Readable.from([csv]), { source: 't.csv' }), {
    batchId,
  });
}

const completed = (at: number): TurnOutcome => ({
  outcome: 'completed',
  chatId: 'chat-1',
  chatStatus: 'in-progress',
  previousChatId: null,
  response: [],
  error: null,
  completedAt: at,
});

const firstJob = async (batchId: string, conversationId: string) => {
  const jobs = await services.turnQueue.queue.getJobs(['prioritized', 'wait']);
  const job = jobs.find((j) => j.data.b === batchId && j.data.c === conversationId)!;
  return parseTurnJob(job.data)!;
};

describe('first-turn jobs', () => {
  it('carry the request of conversations without a recipient, and nothing for the others', async () => {
    await ingest(
      'conversation_id,recipient_id,agent_id,input,customer_name\n' +
        'c1,,a1,Hello there,Ann\nc2,r2,a1,Hi,Bob\nc1,,,second,\n',
      'b',
    );
    const plain = await firstJob('b', 'c1');
    expect(plain.f).toEqual({ a: 'a1', i: 'Hello there', v: '{"customer_name":"Ann"}' });
    expect((await firstJob('b', 'c2')).f).toBeUndefined();
    const request = fastPathRequest(
      { attemptsStarted: 1, stalledCounter: 0 },
      plain,
      { state: 'running', scheduledAt: undefined, expireAt: undefined, window: undefined },
      Date.now(),
      optOutTest(['stop']),
    );
    expect(request).toEqual({
      agentId: 'a1',
      input: 'Hello there',
      dynamicVariables: { customer_name: 'Ann' },
    });
  });

  it('are sent through the begin step when the fast path may not skip it', () => {
    const job = parseTurnJob({ b: 'b', c: 'c', k: 1, f: { a: 'a', i: ' Stop ' } })!;
    const running = {
      state: 'running',
      scheduledAt: undefined,
      expireAt: undefined,
      window: undefined,
    };
    const fresh = { attemptsStarted: 1, stalledCounter: 0 };
    const words = optOutTest(['stop']);
    const now = Date.now();
    // An opt-out word, a second start, a stall, a paused batch, a passed deadline.
    expect(fastPathRequest(fresh, job, running, now, words)).toBeUndefined();
    const hello = { ...job, f: { a: 'a', i: 'hello' } };
    expect(fastPathRequest(fresh, hello, running, now, words)).toBeDefined();
    expect(
      fastPathRequest({ attemptsStarted: 2, stalledCounter: 0 }, hello, running, now, words),
    ).toBeUndefined();
    expect(
      fastPathRequest({ attemptsStarted: 1, stalledCounter: 1 }, hello, running, now, words),
    ).toBeUndefined();
    expect(
      fastPathRequest(fresh, hello, { ...running, state: 'paused' }, now, words),
    ).toBeUndefined();
    expect(
      fastPathRequest(fresh, hello, { ...running, expireAt: now - 1 }, now, words),
    ).toBeUndefined();
  });
});

describe('an attempt sent on the fast path', () => {
  it('is counted and starts the conversation when it is recorded', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,one\nc1,a,two\n', 'r');
    expect(
      await services.turnStore.record('r', 'c1', 1, completed(Date.now()), { fast: true }),
    ).toEqual({ kind: 'next' });
    const status = await services.batchStore.status('r');
    expect(status?.conversations).toMatchObject({ pending: 0, active: 1 });
    const view = await services.batchStore.conversation('r', 'c1');
    expect(view?.turns[0]).toMatchObject({ status: 'completed', attempts: 1, chatId: 'chat-1' });
    // Recorded twice (a reply lost to a Redis blip): counted once.
    expect(
      await services.turnStore.record('r', 'c1', 1, completed(Date.now()), { fast: true }),
    ).toMatchObject({ kind: 'dup' });
    expect((await services.batchStore.conversation('r', 'c1'))?.turns[0]?.attempts).toBe(1);
  });

  it('is counted when noted for a retry, and a refunded one leaves the turn untouched', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,one\n', 'n');
    const error = { code: 'http_503', httpStatus: 503, message: 'unavailable' };
    await services.turnStore.noteRetry('n', 'c1', 1, error, false, { fast: true });
    expect((await services.batchStore.status('n'))?.conversations.active).toBe(1);
    expect(await services.turnStore.begin('n', 'c1', 1, Date.now(), LEASE)).toMatchObject({
      kind: 'send',
      attempt: 2,
    });

    await ingest('conversation_id,agent_id,input\nc2,a,one\n', 'n2');
    await services.turnStore.noteRetry('n2', 'c2', 1, error, true, { fast: true });
    expect((await services.batchStore.status('n2'))?.conversations.pending).toBe(1);
    // The refunded attempt reported back (its error): a replay is not fenced.
    expect(
      await services.turnStore.begin('n2', 'c2', 1, Date.now(), LEASE, { suspect: true }),
    ).toMatchObject({ kind: 'send', attempt: 1 });
  });
});

describe('a replayed job that was eligible for the fast path', () => {
  it('is fenced for one lease when no attempt of its turn ever reported back', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,one\n', 'f');
    const now = Date.now();
    // The worker that started it died (or lost its lock) with the request maybe in flight.
    expect(await services.turnStore.begin('f', 'c1', 1, now, LEASE, { suspect: true })).toEqual({
      kind: 'busy',
      leaseUntil: now + LEASE,
    });
    // The attempt that may be in flight is counted by the fence, and the conversation started.
    expect((await services.batchStore.status('f'))?.conversations.active).toBe(1);
    // The first attempt reports back in time: counted once, and the replay finds it recorded.
    await services.turnStore.record('f', 'c1', 1, completed(now + 10), { fast: true });
    expect((await services.batchStore.conversation('f', 'c1'))?.turns[0]?.attempts).toBe(1);
    expect(
      await services.turnStore.begin('f', 'c1', 1, now + LEASE + 1, LEASE, { suspect: true }),
    ).toMatchObject({ kind: 'recorded' });
  });

  it('sends once the fence has passed, as the second attempt, when the first never reported back', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,one\n', 'g');
    const now = Date.now();
    await services.turnStore.begin('g', 'c1', 1, now, LEASE, { suspect: true });
    // The worker that sent it died: its request counts as attempt 1.
    expect(
      await services.turnStore.begin('g', 'c1', 1, now + LEASE + 1, LEASE, { suspect: true }),
    ).toMatchObject({ kind: 'send', attempt: 2 });
  });

  it('is not fenced after a begin step has run for its turn (a deferred window)', async () => {
    await ingest('conversation_id,agent_id,input\nc1,a,one\n', 'w');
    const now = Date.now();
    await services.turnStore.begin('w', 'c1', 1, now, LEASE);
    await services.turnStore.defer('w', 'c1', 1);
    expect(
      await services.turnStore.begin('w', 'c1', 1, now + 1, LEASE, { suspect: true }),
    ).toMatchObject({ kind: 'send', attempt: 1 });
  });
});
