import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startThrowawayRedis } from '../../src/cli/throwaway-redis.js';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

const ROUTES = [
  ['GET', '/v1/batches'],
  ['GET', '/v1/batches/b1'],
  ['GET', '/v1/batches/b1/results'],
  ['POST', '/v1/batches'],
  ['POST', '/v1/batches/b1/cancel'],
  ['POST', '/v1/batches/b1/pause'],
  ['POST', '/v1/batches/b1/resume'],
  ['POST', '/v1/batches/b1/retry-failed'],
  ['GET', '/v1/batches/b1/conversations/c1'],
  ['POST', '/v1/batches/b1/conversations/c1/turns'],
  ['GET', '/admin/queues'],
] as const;

async function expect503Fast(h: ApiHarness) {
  for (const [method, url] of ROUTES) {
    const started = Date.now();
    const response = await h.app.inject({
      method,
      url,
      headers: AUTH,
      ...(method === 'POST' ? { payload: { input: 'x' } } : {}),
    });
    expect(response.statusCode, `${method} ${url}`).toBe(503);
    expect(response.json().error).toBe('redis_unavailable');
    expect(response.headers['retry-after']).toBe('5');
    expect(Date.now() - started).toBeLessThan(1000);
  }
  const started = Date.now();
  const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(503);
  expect(Date.now() - started).toBeLessThan(1500);
  expect((await h.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  expect((await h.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
}

describe('Redis unreachable from the start', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await createApiHarness({ redisUrl: `redis://127.0.0.1:${await freePort()}` });
  });
  afterAll(() => h.close());

  it('answers 503 at once on every route that needs Redis; health and metrics stay up', async () => {
    await expect503Fast(h);
  });

  it('still asks for a token first', async () => {
    const response = await h.app.inject({ method: 'GET', url: '/v1/batches' });
    expect(response.statusCode).toBe(401);
  });
});

describe('Redis going away while the API runs', () => {
  it('answers 503 fast once Redis is gone', async () => {
    const redis = await startThrowawayRedis();
    const h = await createApiHarness({ redisUrl: redis.url });
    try {
      const body = { batchId: 'b', agentId: 'a', conversations: [{ turns: ['x'] }] };
      const submit = () =>
        h.app.inject({ method: 'POST', url: '/v1/batches', headers: AUTH, payload: body });
      for (let i = 0; i < 50 && h.redis.status !== 'ready'; i++)
        await new Promise((r) => setTimeout(r, 50));
      expect((await submit()).statusCode).toBe(202);
      expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);

      await redis.stop();
      for (let i = 0; i < 50 && h.redis.status === 'ready'; i++)
        await new Promise((r) => setTimeout(r, 50));
      await expect503Fast(h);
    } finally {
      await h.close();
      await redis.stop().catch(() => undefined);
    }
  });
});
