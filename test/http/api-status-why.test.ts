import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';

let h: ApiHarness;
beforeAll(async () => {
  h = await createApiHarness();
});
afterAll(() => h.close());

const post = (url: string, payload?: unknown) =>
  h.app.inject({ method: 'POST', url, headers: AUTH, payload: payload as never });
const status = async (batchId: string) =>
  (await h.app.inject({ method: 'GET', url: `/v1/batches/${batchId}`, headers: AUTH })).json();

describe('the batch status says why it waits', () => {
  it('a pause by an operator says so, and resuming clears it', async () => {
    await post('/v1/batches', {
      batchId: 'why-1',
      agentId: 'a',
      conversations: [{ turns: ['hi'] }],
    });
    expect(await status('why-1')).toMatchObject({ pausedReason: null, nextSendAt: null });
    await post('/v1/batches/why-1/pause');
    expect(await status('why-1')).toMatchObject({
      state: 'paused',
      pausedReason: 'paused by an operator',
    });
    await post('/v1/batches/why-1/resume');
    expect(await status('why-1')).toMatchObject({ state: 'running', pausedReason: null });
    // The reason is gone from the store too, not only hidden.
    expect(await h.redis.hget(h.keys.batch('why-1'), 'pausedReason')).toBeNull();
  });

  it('a pause after a vendor 401 names the refused key', async () => {
    await post('/v1/batches', {
      batchId: 'why-2',
      agentId: 'a',
      conversations: [{ turns: ['hi'] }],
    });
    await h.maintenance.setAuthPause({
      code: 'http_401',
      httpStatus: 401,
      at: new Date().toISOString(),
    });
    expect(await status('why-2')).toMatchObject({
      state: 'paused',
      pausedReason: 'the vendor refused the API key (401)',
    });
    const list = (await h.app.inject({ method: 'GET', url: '/v1/batches', headers: AUTH })).json();
    expect(list.batches.find((b: { batchId: string }) => b.batchId === 'why-2')).toMatchObject({
      pausedReason: 'the vendor refused the API key (401)',
    });
    await post('/v1/batches/why-2/resume');
    expect(await status('why-2')).toMatchObject({ state: 'running', pausedReason: null });
  });

  it('a batch waiting for its start or its window says when it sends next', async () => {
    const start = new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, 'Z');
    await post('/v1/batches', {
      batchId: 'why-3',
      agentId: 'a',
      scheduleAt: start,
      conversations: [{ turns: ['hi'] }],
    });
    expect(await status('why-3')).toMatchObject({
      state: 'scheduled',
      nextSendAt: new Date(start).toISOString(),
    });
    // A window whose one day is never today: it opens on that day's 09:00 UTC, in the future.
    const days = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];
    const tomorrow = days[(new Date().getUTCDay() + 1) % 7]!;
    await post('/v1/batches', {
      batchId: 'why-4',
      agentId: 'a',
      window: `${tomorrow} 09:00-10:00 UTC`,
      conversations: [{ turns: ['hi'] }],
    });
    const waiting = await status('why-4');
    expect(waiting.state).toBe('running');
    const next = new Date(waiting.nextSendAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(next.toISOString()).toMatch(/T09:00:00\.000Z$/);
    expect(days[next.getUTCDay()]).toBe(tomorrow);
  });
});
