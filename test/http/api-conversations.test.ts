import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { turnJobId } from '../../src/shared/keys.js';
import type { TurnOutcome } from '../../src/store/turn-store.js';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const get = (url: string) => h.app.inject({ method: 'GET', url, headers: AUTH });
const post = (url: string, payload?: unknown) =>
  h.app.inject({
    method: 'POST',
    url,
    headers: AUTH,
    ...(payload ? { payload: payload as never } : {}),
  });
const append = (batchId: string, conversationId: string, payload: unknown) =>
  post(`/v1/batches/${batchId}/conversations/${encodeURIComponent(conversationId)}/turns`, payload);

async function createBatch(
  batchId: string,
  conversations: { conversationId: string; turns: string[] }[],
) {
  const response = await post('/v1/batches', { batchId, agentId: 'agent-1', conversations });
  expect(response.json()).toMatchObject({ accepted: conversations.length });
}

/** Does what a worker does for turn k, through the worker's own store scripts. */
async function workTurn(
  batchId: string,
  conversationId: string,
  turn: number,
  result: 'completed' | 'failed' = 'completed',
  chatStatus: 'in-progress' | 'ended' = 'in-progress',
) {
  const begin = await h.turnStore.begin(batchId, conversationId, turn, Date.now(), 30_000);
  expect(begin.kind).toBe('send');
  const outcome: TurnOutcome = {
    outcome: result,
    chatId: result === 'completed' ? `chat-${conversationId}-${turn}` : null,
    chatStatus: result === 'completed' ? chatStatus : null,
    previousChatId: begin.kind === 'send' ? (begin.previousChatId ?? null) : null,
    response: [],
    error: result === 'failed' ? { code: 'http_400', httpStatus: 400, message: 'bad' } : null,
    completedAt: Date.now(),
  };
  return { begin, recorded: await h.turnStore.record(batchId, conversationId, turn, outcome) };
}

const jobOf = (batchId: string, conversationId: string, turn: number) =>
  h.turnQueue.queue.getJob(turnJobId(batchId, conversationId, turn));

describe('GET /v1/batches/:batchId/conversations/:conversationId', () => {
  it('answers the conversation with each turn as a results record; 404 otherwise', async () => {
    await createBatch('view', [{ conversationId: 'a/b c', turns: ['one', 'two'] }]);
    const response = await get(`/v1/batches/view/conversations/${encodeURIComponent('a/b c')}`);
    expect(response.statusCode).toBe(200);
    const view = response.json();
    expect(view).toMatchObject({
      batchId: 'view',
      conversationId: 'a/b c',
      agentId: 'agent-1',
      status: 'pending',
    });
    expect(view.turns.map((t: { turn: number; input: string }) => [t.turn, t.input])).toEqual([
      [1, 'one'],
      [2, 'two'],
    ]);
    const results = (await get('/v1/batches/view/results')).body.trim().split('\n');
    expect(view.turns).toEqual(results.map((line) => JSON.parse(line)));
    expect((await get('/v1/batches/view/conversations/nope')).json().error).toBe(
      'conversation_not_found',
    );
    expect((await get('/v1/batches/nope/conversations/x')).json().error).toBe('batch_not_found');
  });
});

describe('POST .../conversations/:conversationId/turns', () => {
  it('appends behind pending turns without a job of its own; the worker chains to it', async () => {
    await createBatch('pending', [{ conversationId: 'c', turns: ['first'] }]);
    const response = await append('pending', 'c', {
      input: '  second  ',
      dynamicVariables: { mood: 'calm' },
    });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      batchId: 'pending',
      conversationId: 'c',
      turn: 2,
      line: null,
      input: 'second',
      status: 'pending',
      agentId: 'agent-1',
    });
    expect(await jobOf('pending', 'c', 2)).toBeUndefined();
    expect((await get('/v1/batches/pending')).json().turns).toMatchObject({ total: 2, pending: 2 });

    // The worker records turn 1, sees turn 2 and moves on to it (RECORD_TURN compares k with n).
    expect((await workTurn('pending', 'c', 1)).recorded.kind).toBe('next');
    const second = await workTurn('pending', 'c', 2);
    expect(second.begin).toMatchObject({
      kind: 'send',
      input: 'second',
      previousChatId: 'chat-c-1',
      dynamicVariables: { mood: 'calm' },
    });
    expect(second.recorded).toMatchObject({ kind: 'finished', state: 'completed' });
  });

  it('starts a completed conversation again at the new turn, queued, chained to the last chatId', async () => {
    await createBatch('done', [{ conversationId: 'c', turns: ['first'] }]);
    await workTurn('done', 'c', 1);
    const before = (await get('/v1/batches/done')).json();
    expect(before).toMatchObject({ state: 'completed', conversations: { completed: 1 } });
    expect(before.finishedAt).not.toBeNull();

    const response = await append('done', 'c', { input: 'and another thing' });
    expect(response.statusCode).toBe(202);
    expect(response.json()).toMatchObject({
      turn: 2,
      status: 'pending',
      previousChatId: 'chat-c-1',
    });
    expect(await jobOf('done', 'c', 2)).toBeDefined();
    const after = (await get('/v1/batches/done')).json();
    expect(after).toMatchObject({
      state: 'running',
      conversations: { completed: 0, active: 1 },
      turns: { total: 2, pending: 1, completed: 1 },
      finishedAt: null,
    });
    const { begin } = await workTurn('done', 'c', 2);
    expect(begin).toMatchObject({ input: 'and another thing', previousChatId: 'chat-c-1' });
    expect((await get('/v1/batches/done/conversations/c')).json().status).toBe('completed');
  });

  it('keeps the batch, its order and its rejected rows for one retention from the append', async () => {
    const response = await post('/v1/batches', {
      batchId: 'kept',
      agentId: 'agent-1',
      conversations: [
        { conversationId: 'c', turns: ['first'] },
        { conversationId: 'bad', turns: [''] },
      ],
    });
    expect(response.json()).toMatchObject({ accepted: 1, rejected: 1 });
    const kept = [h.keys.batch('kept'), h.keys.order('kept'), h.keys.rejected('kept')];
    // As if the batch had been quiet for most of its retention.
    for (const key of kept) expect(await h.redis.expire(key, 60)).toBe(1);
    expect((await append('kept', 'c', { input: 'second' })).statusCode).toBe(202);
    const ttls = await Promise.all(kept.map((key) => h.redis.ttl(key)));
    const retention = await h.redis.ttl(h.keys.conversation('kept', 'c'));
    expect(retention).toBeGreaterThan(3600);
    for (const ttl of ttls) expect(Math.abs(ttl - retention)).toBeLessThanOrEqual(5);
  });

  it('gives turns appended at once distinct numbers, in order', async () => {
    await createBatch('burst', [{ conversationId: 'c', turns: ['first'] }]);
    await workTurn('burst', 'c', 1);
    const inputs = ['a', 'b', 'c', 'd', 'e', 'f'];
    const responses = await Promise.all(inputs.map((input) => append('burst', 'c', { input })));
    const turns = responses.map((r) => r.json().turn as number);
    expect([...turns].sort((x, y) => x - y)).toEqual([2, 3, 4, 5, 6, 7]);
    const view = (await get('/v1/batches/burst/conversations/c')).json();
    expect(view.turns).toHaveLength(7);
    // Each input is stored under the number its answer gave.
    responses.forEach((r, i) => expect(view.turns[turns[i]! - 1].input).toBe(inputs[i]));
    const results = (await get('/v1/batches/burst/results')).body.trim().split('\n');
    expect(results.map((line) => JSON.parse(line).turn)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it('answers 409 for a cancelled, failed or ended conversation and in a cancelled batch', async () => {
    await createBatch('closed', [
      { conversationId: 'ended', turns: ['x'] },
      { conversationId: 'failed', turns: ['x', 'y'] },
      { conversationId: 'done', turns: ['x'] },
      { conversationId: 'open', turns: ['x'] },
    ]);
    await workTurn('closed', 'ended', 1, 'completed', 'ended');
    await workTurn('closed', 'failed', 1, 'failed');
    await workTurn('closed', 'done', 1);

    const ended = await append('closed', 'ended', { input: 'hello?' });
    expect(ended.statusCode).toBe(409);
    expect(ended.json()).toMatchObject({ error: 'conversation_closed', message: /agent ended/ });
    const failed = await append('closed', 'failed', { input: 'hello?' });
    expect(failed.statusCode).toBe(409);
    expect(failed.json().message).toMatch(/retry-failed/);

    expect((await post('/v1/batches/closed/cancel')).statusCode).toBe(200);
    const cancelled = await append('closed', 'open', { input: 'hello?' });
    expect(cancelled.statusCode).toBe(409);
    expect(cancelled.json()).toMatchObject({ error: 'conversation_closed', message: /cancelled/ });
    const inCancelledBatch = await append('closed', 'done', { input: 'hello?' });
    expect(inCancelledBatch.statusCode).toBe(409);
    expect(inCancelledBatch.json().error).toBe('batch_cancelled');
    expect((await get('/v1/batches/closed')).json().turns.total).toBe(5);
  });

  it('answers 404 for an unknown batch or conversation and 400 for a bad turn', async () => {
    await createBatch('bad', [{ conversationId: 'c', turns: ['x'] }]);
    expect((await append('nope', 'c', { input: 'x' })).json().error).toBe('batch_not_found');
    const unknown = await append('bad', 'nope', { input: 'x' });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toBe('conversation_not_found');
    for (const body of [
      { input: '   ' },
      { input: 'x'.repeat(20_481) },
      { input: 5 },
      {},
      { input: 'x', extra: 1 },
      { input: 'x', dynamicVariables: { n: 1 } },
    ]) {
      const response = await append('bad', 'c', body);
      expect(response.statusCode, JSON.stringify(body).slice(0, 40)).toBe(400);
      expect(response.json().error).toBe('invalid_request');
    }
    expect((await get('/v1/batches/bad')).json().turns.total).toBe(1);
  });
});

describe('batch control routes', () => {
  it('pause, resume, cancel and retry-failed go through the CLI control path', async () => {
    await createBatch('ctl', [
      { conversationId: 'f', turns: ['x', 'y'] },
      { conversationId: 'p', turns: ['x'] },
    ]);
    const pause = await post('/v1/batches/ctl/pause');
    expect(pause.statusCode).toBe(200);
    expect(pause.json()).toMatchObject({
      action: 'pause',
      changed: true,
      status: { state: 'paused' },
    });
    expect((await post('/v1/batches/ctl/pause')).json().changed).toBe(false);
    expect((await post('/v1/batches/ctl/resume')).json()).toMatchObject({
      action: 'resume',
      changed: true,
      status: { state: 'running' },
    });

    await workTurn('ctl', 'f', 1, 'failed');
    const retry = await post('/v1/batches/ctl/retry-failed');
    expect(retry.json()).toMatchObject({ action: 'retry-failed', changed: true, conversations: 1 });
    expect(retry.json().status.turns).toMatchObject({ failed: 0, skipped: 0, pending: 3 });

    const cancel = await post('/v1/batches/ctl/cancel');
    expect(cancel.json()).toMatchObject({
      action: 'cancel',
      changed: true,
      conversations: 2,
      status: { state: 'cancelled', conversations: { cancelled: 2 } },
    });
  });

  it('answers 404 for an unknown batch and 415 for a CSV body', async () => {
    for (const action of ['cancel', 'pause', 'resume', 'retry-failed']) {
      const response = await post(`/v1/batches/nope/${action}`);
      expect(response.statusCode).toBe(404);
      expect(response.json()).toEqual({ error: 'batch_not_found', message: 'no such batch: nope' });
    }
    const csv = await h.app.inject({
      method: 'POST',
      url: '/v1/batches/nope/pause',
      headers: { ...AUTH, 'content-type': 'text/csv' },
      payload: 'input\nx\n',
    });
    expect(csv.statusCode).toBe(415);
  });
});
