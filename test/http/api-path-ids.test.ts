import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
  // Batch "ids1" holds a conversation "a:b": its key is the one `ids1:a` + `b` would build.
  const created = await h.app.inject({
    method: 'POST',
    url: '/v1/batches',
    headers: AUTH,
    payload: {
      batchId: 'ids1',
      agentId: 'ag',
      conversations: [{ conversationId: 'a:b', turns: ['x'] }],
    },
  });
  expect(created.statusCode).toBe(202);
});
afterAll(() => h.close());

const call = (method: 'GET' | 'POST', url: string, payload?: unknown) =>
  h.app.inject({ method, url, headers: AUTH, ...(payload ? { payload: payload as never } : {}) });

describe('ids in URL paths follow the create rules', () => {
  it.each([
    ['GET', '/v1/batches/b1:order'],
    ['GET', '/v1/batches/ids1:order'],
    ['GET', '/v1/batches/ids1:order/results'],
    ['POST', '/v1/batches/ids1:order/cancel'],
    ['GET', '/v1/batches/ids1:a/conversations/b'],
    ['POST', '/v1/batches/ids1:a/conversations/b/turns'],
    ['GET', `/v1/batches/${'x'.repeat(129)}`],
    ['GET', '/v1/batches/%F0%9F%98%80'],
  ] as const)('%s %s answers 400 naming batchId', async (method, url) => {
    const response = await call(method, url, method === 'POST' ? { input: 'hi' } : undefined);
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
    expect(response.json().issues[0].path).toEqual(['batchId']);
  });

  it('a conversation id in the path is checked as at creation (at most 256 characters)', async () => {
    const response = await call('GET', `/v1/batches/ids1/conversations/${'c'.repeat(257)}`);
    expect(response.statusCode).toBe(400);
    expect(response.json().issues[0].path).toEqual(['conversationId']);
  });

  it('the real conversation stays reachable under its own batch', async () => {
    const response = await call(
      'GET',
      `/v1/batches/ids1/conversations/${encodeURIComponent('a:b')}`,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toMatchObject({ batchId: 'ids1', conversationId: 'a:b' });
  });

  it('the longest valid ids are read back (no 414 below the id rules)', async () => {
    const batchId = 'b'.repeat(128);
    const conversationId = 'é'.repeat(256);
    const created = await call('POST', '/v1/batches', {
      batchId,
      agentId: 'ag',
      conversations: [{ conversationId, turns: ['x'] }],
    });
    expect(created.json()).toMatchObject({ accepted: 1 });
    expect((await call('GET', `/v1/batches/${batchId}`)).statusCode).toBe(200);
    const view = await call(
      'GET',
      `/v1/batches/${batchId}/conversations/${encodeURIComponent(conversationId)}`,
    );
    expect(view.statusCode).toBe(200);
  });
});
