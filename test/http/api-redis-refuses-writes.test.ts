import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import {
  freePort,
  startThrowawayRedis,
  type ThrowawayRedis,
} from '../../src/cli/throwaway-redis.js';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

/** Customer text that must never reach a log line, whatever happens to the request. */
const SSN = '078-05-1120';
const EMAIL = 'alice.customer@example.com';

let redis: ThrowawayRedis | undefined;
let admin: Redis | undefined;
let h: ApiHarness | undefined;
afterEach(async () => {
  await h?.close();
  admin?.disconnect();
  await redis?.stop();
  h = undefined;
  admin = undefined;
  redis = undefined;
});

async function setUp(): Promise<{ h: ApiHarness; admin: Redis }> {
  redis = await startThrowawayRedis();
  admin = new Redis(redis.url);
  h = await createApiHarness({ redisUrl: redis.url });
  for (let i = 0; i < 50 && h.redis.status !== 'ready'; i++)
    await new Promise((r) => setTimeout(r, 50));
  expect((await h.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  return { h, admin };
}

const submissions = (batchId: string) => [
  {
    method: 'POST' as const,
    url: '/v1/batches',
    headers: AUTH,
    payload: {
      batchId,
      agentId: 'ag',
      conversations: [
        { turns: [`My SSN is ${SSN}`], dynamicVariables: { email: EMAIL } },
        { conversationId: 'c2', turns: ['hello', `write to ${EMAIL}`] },
      ],
    },
  },
  {
    method: 'POST' as const,
    url: `/v1/batches?batchId=${batchId}-csv&agentId=ag`,
    headers: { ...AUTH, 'content-type': 'text/csv' },
    payload: `conversation_id,input,email\nc1,My SSN is ${SSN},${EMAIL}\nc1,again,\n`,
  },
];

const waitReady = async (harness: ApiHarness, status: number) => {
  let last = 0;
  for (let i = 0; i < 60; i++) {
    last = (await harness.app.inject({ method: 'GET', url: '/readyz' })).statusCode;
    if (last === status) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(last).toBe(status);
};

describe('a Redis that refuses writes', () => {
  it('full (maxmemory + noeviction): 507 redis_full, /readyz says so, no customer text logged', async () => {
    const { h, admin } = await setUp();
    // Over the limit at once: every write that needs memory is refused from here on.
    await admin.set('filler', 'x'.repeat(2 * 1024 * 1024));
    await admin.config('SET', 'maxmemory', '1mb');
    for (const request of submissions('full')) {
      const response = await h.app.inject(request);
      expect(response.statusCode, request.url).toBe(507);
      expect(response.json()).toMatchObject({ error: 'redis_full' });
      expect(response.body).not.toContain(SSN);
    }
    await waitReady(h, 507);
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.json()).toMatchObject({ error: 'redis_full' });

    const logs = h.logs.join('');
    expect(logs).toContain('OOM command not allowed'); // the failure is logged…
    expect(logs).not.toContain(SSN); // …without the command's arguments
    expect(logs).not.toContain(EMAIL);

    await admin.config('SET', 'maxmemory', '0');
    await waitReady(h, 200);
  });

  it('read-only (a replica after a failover): 503 redis_refuses_writes, /readyz says so', async () => {
    const { h, admin } = await setUp();
    await admin.replicaof('127.0.0.1', await freePort());
    for (const request of submissions('ro')) {
      const response = await h.app.inject(request);
      expect(response.statusCode, request.url).toBe(503);
      expect(response.json()).toMatchObject({ error: 'redis_refuses_writes' });
      expect(response.headers['retry-after']).toBe('5');
    }
    await waitReady(h, 503);
    expect((await h.app.inject({ method: 'GET', url: '/readyz' })).json()).toMatchObject({
      error: 'redis_refuses_writes',
    });
    expect(h.logs.join('')).not.toContain(SSN);
    await admin.replicaof('NO', 'ONE');
    await waitReady(h, 200);
  });
});
