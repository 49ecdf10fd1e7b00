import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdempotencyStore } from '../../src/producer/api/idempotency/idempotency-store.js';
import { idempotencyScope } from '../../src/producer/api/idempotency/idempotent-answer.js';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';
import { multipartBody } from './multipart.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const post = (url: string, key: string | undefined, payload?: unknown, headers = {}) =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...AUTH, ...(key === undefined ? {} : { 'idempotency-key': key }), ...headers },
    ...(payload === undefined ? {} : { payload: payload as never }),
  });
const get = (url: string) => h.app.inject({ method: 'GET', url, headers: AUTH });
const batchCount = async () => (await get('/v1/batches?limit=500')).json().total as number;

describe('Idempotency-Key', () => {
  it('replays the first answer of a submission and does nothing again', async () => {
    const body = { agentId: 'a', conversations: [{ turns: ['x', 'y'] }] };
    const before = await batchCount();
    const first = await post('/v1/batches', 'submit-1', body);
    expect(first.statusCode).toBe(202);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await post('/v1/batches', 'submit-1', body);
    expect(again.statusCode).toBe(202);
    expect(again.headers['idempotent-replayed']).toBe('true');
    // Same generated batch id, and only one batch: nothing was ingested twice.
    expect(again.json()).toEqual(first.json());
    expect(await batchCount()).toBe(before + 1);
    expect((await get(`/v1/batches/${first.json().batchId}`)).json().turns.total).toBe(2);
  });

  it('answers 422 when the key comes back with a different request', async () => {
    const body = { agentId: 'a', conversations: [{ turns: ['x'] }] };
    expect((await post('/v1/batches', 'submit-2', body)).statusCode).toBe(202);
    const before = await batchCount();
    const other = await post('/v1/batches', 'submit-2', { ...body, agentId: 'b' });
    expect(other.statusCode).toBe(422);
    expect(other.json().error).toBe('idempotency_key_reused');
    const otherQuery = await post('/v1/batches?dryRun=true', 'submit-2', body);
    expect(otherQuery.statusCode).toBe(422);
    expect(await batchCount()).toBe(before);
  });

  it('scopes keys to the route', async () => {
    await post('/v1/batches', 'shared-key', {
      batchId: 'idem-scope',
      agentId: 'a',
      conversations: [{ turns: ['x'] }],
    });
    const pause = await post('/v1/batches/idem-scope/pause', 'shared-key');
    expect(pause.statusCode).toBe(200);
    expect(pause.headers['idempotent-replayed']).toBeUndefined();
    expect(pause.json().action).toBe('pause');
  });

  it('replays control answers as they first were', async () => {
    await post('/v1/batches', undefined, {
      batchId: 'idem-ctl',
      agentId: 'a',
      conversations: [{ turns: ['x'] }],
    });
    const first = await post('/v1/batches/idem-ctl/pause', 'pause-1');
    expect(first.json().changed).toBe(true);
    const again = await post('/v1/batches/idem-ctl/pause', 'pause-1');
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    // Without the key the same request runs again: nothing left to change.
    expect((await post('/v1/batches/idem-ctl/pause', undefined)).json().changed).toBe(false);
  });

  it('does not append a turn twice', async () => {
    await post('/v1/batches', undefined, {
      batchId: 'idem-turn',
      agentId: 'a',
      conversations: [{ conversationId: 'c', turns: ['x'] }],
    });
    const url = '/v1/batches/idem-turn/conversations/c/turns';
    const first = await post(url, 'turn-1', { input: 'more' });
    const again = await post(url, 'turn-1', { input: 'more' });
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json());
    expect((await post(url, 'turn-1', { input: 'other' })).statusCode).toBe(422);
    expect((await get('/v1/batches/idem-turn')).json().turns.total).toBe(2);
  });

  it('recognises a streamed CSV body, raw or multipart, without ingesting it again', async () => {
    const csv = 'input\nhello\nthere\n';
    const url = '/v1/batches?batchId=idem-csv&agentId=a';
    const raw = { 'content-type': 'text/csv' };
    const first = await post(url, 'csv-1', csv, raw);
    expect(first.json()).toMatchObject({ accepted: 2, duplicates: 0 });
    const again = await post(url, 'csv-1', csv, raw);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.json()).toEqual(first.json()); // not "2 duplicates"
    expect((await post(url, 'csv-1', `${csv}more\n`, raw)).statusCode).toBe(422);

    const parts = [
      { name: 'batchId', value: 'idem-mp' },
      { name: 'agentId', value: 'a' },
      { name: 'file', filename: 'x.csv', content: csv },
    ];
    // A new boundary each time, as curl does: still the same request.
    const form1 = multipartBody(parts, 'boundary-one');
    const form2 = multipartBody(parts, 'boundary-two');
    const mp = await post('/v1/batches', 'mp-1', form1.payload, form1.headers);
    expect(mp.json()).toMatchObject({ accepted: 2 });
    const mpAgain = await post('/v1/batches', 'mp-1', form2.payload, form2.headers);
    expect(mpAgain.headers['idempotent-replayed']).toBe('true');
    expect(mpAgain.json()).toEqual(mp.json());
    const changed = multipartBody([parts[0]!, { name: 'agentId', value: 'b' }, parts[2]!]);
    expect((await post('/v1/batches', 'mp-1', changed.payload, changed.headers)).statusCode).toBe(
      422,
    );
  });

  it('keeps no failed answer: the same key works once the request can succeed', async () => {
    const missing = await post('/v1/batches/idem-later/resume', 'later-1');
    expect(missing.statusCode).toBe(404);
    await post('/v1/batches', undefined, {
      batchId: 'idem-later',
      agentId: 'a',
      conversations: [{ turns: ['x'] }],
    });
    const now = await post('/v1/batches/idem-later/resume', 'later-1');
    expect(now.statusCode).toBe(200);
    expect(now.headers['idempotent-replayed']).toBeUndefined();
  });

  it('answers 409 while the first request with the key is still being served', async () => {
    const store = createIdempotencyStore({ redis: h.redis, keys: h.keys });
    const scope = idempotencyScope({ method: 'POST', url: '/v1/batches', headers: AUTH });
    const claim = await store.claim(scope, 'busy-1');
    expect(claim.kind).toBe('claimed');
    const response = await post('/v1/batches', 'busy-1', {
      agentId: 'a',
      conversations: [{ turns: ['x'] }],
    });
    expect(response.statusCode).toBe(409);
    expect(response.json().error).toBe('idempotency_in_progress');
    if (claim.kind === 'claimed') await store.release(scope, 'busy-1', claim.owner);
    expect(
      (await post('/v1/batches', 'busy-1', { agentId: 'a', conversations: [{ turns: ['x'] }] }))
        .statusCode,
    ).toBe(202);
  });

  it('answers 400 for a key that is not 1-255 visible characters', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256)]) {
      const response = await post('/v1/batches/any/pause', key);
      expect(response.statusCode, JSON.stringify(key)).toBe(400);
    }
  });
});
