import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUTH, createApiHarness, type ApiHarness } from './api-harness.js';
import { multipartBody } from './multipart.js';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const HOOK = 'https://hooks.example.com/chatbatch?token=t1';

let signing: ApiHarness;
let unsigned: ApiHarness;
beforeAll(async () => {
  signing = await createApiHarness({ env: { CHATBATCH_WEBHOOK_SECRET: SECRET } });
  unsigned = await createApiHarness();
});
afterAll(async () => {
  await signing.close();
  await unsigned.close();
});

const post = (
  h: ApiHarness,
  url: string,
  payload?: unknown,
  headers: Record<string, string> = {},
) =>
  h.app.inject({
    method: 'POST',
    url,
    headers: { ...AUTH, ...headers },
    payload: payload as never,
  });

const batchHash = (h: ApiHarness, batchId: string) => h.redis.hgetall(h.keys.batch(batchId));

describe('webhook options of POST /v1/batches', () => {
  it('JSON: webhookUrl and webhookEvents are kept on the batch for its events', async () => {
    const response = await post(signing, '/v1/batches', {
      batchId: 'wh-json',
      agentId: 'agent-1',
      webhookUrl: HOOK,
      webhookEvents: ['conversation.finished'],
      conversations: [{ turns: ['hi'] }],
    });
    expect(response.statusCode, response.body).toBe(202);
    expect(await batchHash(signing, 'wh-json')).toMatchObject({
      webhookUrl: HOOK,
      webhookEvents: 'conversation.finished',
    });
  });

  it('CSV: as query parameters, and as multipart fields', async () => {
    const csv = 'agent_id,input\nagent-1,hello\n';
    const raw = await post(
      signing,
      `/v1/batches?batchId=wh-csv&webhookUrl=${encodeURIComponent(HOOK)}&webhookEvents=conversation.finished`,
      csv,
      { 'content-type': 'text/csv' },
    );
    expect(raw.statusCode, raw.body).toBe(202);
    expect(await batchHash(signing, 'wh-csv')).toMatchObject({
      webhookUrl: HOOK,
      webhookEvents: 'conversation.finished',
    });
    const form = multipartBody([
      { name: 'batchId', value: 'wh-form' },
      { name: 'webhookUrl', value: HOOK },
      { name: 'file', filename: 'c.csv', content: csv },
    ]);
    const multipart = await post(signing, '/v1/batches', form.payload, form.headers);
    expect(multipart.statusCode, multipart.body).toBe(202);
    expect((await batchHash(signing, 'wh-form')).webhookUrl).toBe(HOOK);
  });

  it.each([
    [{ webhookUrl: 'ftp://hooks.example.com/' }, 'http://'],
    [{ webhookUrl: 'https://u:p@hooks.example.com/' }, 'user name or password'],
    [{ webhookUrl: HOOK, webhookEvents: ['batch.everything'] }, 'webhookEvents'],
  ])('refuses %j with the rule (400)', async (fields, rule) => {
    const response = await post(signing, '/v1/batches', {
      agentId: 'agent-1',
      ...fields,
      conversations: [{ turns: ['hi'] }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.body).toContain(rule);
  });

  it('a server without CHATBATCH_WEBHOOK_SECRET refuses a webhookUrl, naming the variable', async () => {
    const response = await post(unsigned, '/v1/batches', {
      batchId: 'wh-nosecret',
      agentId: 'agent-1',
      webhookUrl: HOOK,
      conversations: [{ turns: ['hi'] }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({ error: 'invalid_request' });
    expect(response.json().message).toContain('CHATBATCH_WEBHOOK_SECRET');
    expect(await unsigned.batchStore.status('wh-nosecret')).toBeUndefined();
  });

  it('webhookEvents without any webhook URL is refused', async () => {
    const response = await post(signing, '/v1/batches', {
      agentId: 'agent-1',
      webhookEvents: ['conversation.finished'],
      conversations: [{ turns: ['hi'] }],
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().message).toContain('needs a webhook URL');
  });
});

describe('POST /v1/batches/:batchId/webhooks/retry', () => {
  it('re-queues the failed events of a batch; 404 for an unknown batch', async () => {
    await post(signing, '/v1/batches', {
      batchId: 'wh-retry',
      agentId: 'agent-1',
      webhookUrl: HOOK,
      conversations: [{ turns: ['hi'] }],
    });
    const event = {
      id: 'msg_0123456789abcdef',
      type: 'batch.completed' as const,
      batchId: 'wh-retry',
      url: HOOK,
      body: '{"type":"batch.completed"}',
      at: Date.now() - 1000,
      since: Date.now() - 1000,
    };
    await signing.services.failedWebhooks.record(event, event.id, {
      reason: 'HTTP 500',
      attempts: 7,
      at: Date.now(),
    });
    const retried = await post(signing, '/v1/batches/wh-retry/webhooks/retry');
    expect(retried.statusCode, retried.body).toBe(200);
    expect(retried.json()).toEqual({ batchId: 'wh-retry', resent: 1 });
    expect(await signing.services.failedWebhooks.list('wh-retry')).toEqual([]);
    const jobs = await signing.services.webhookQueue.queue.getJobs(['waiting', 'delayed']);
    expect(jobs.map((job) => job.data)).toEqual([
      expect.objectContaining({ id: event.id, body: event.body, url: HOOK }),
    ]);
    expect((await post(signing, '/v1/batches/wh-retry/webhooks/retry')).json()).toEqual({
      batchId: 'wh-retry',
      resent: 0,
    });
    const missing = await post(signing, '/v1/batches/nope/webhooks/retry');
    expect(missing.statusCode).toBe(404);
  });
});
