import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningWorker } from '../../src/worker/start-worker.js';
import { runCli, waitFor } from '../helpers/cli.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import {
  bodyOf,
  startReceiver,
  verifyHook,
  type ReceivedHook,
  type TestReceiver,
} from '../helpers/webhook-receiver.js';

/**
 * Webhook deliveries end to end: the simulator, the real Redis, a worker, and receivers on
 * 127.0.0.1 that refuse connections, answer 500 or accept. Every request a receiver gets is
 * verified with the independent `standardwebhooks` library.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const receivers: TestReceiver[] = [];
let pipeline: Pipeline | undefined;

afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
  for (const r of receivers.splice(0)) await r.close();
});

function csv(conversations: number, turns: number, tag: string): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let c = 1; c <= conversations; c++)
    for (let t = 1; t <= turns; t++) lines.push(`${tag}${c},agent-1,${tag}${c} turn ${t}`);
  return `${lines.join('\n')}\n`;
}

async function receiver(answer?: TestReceiver['answer']): Promise<TestReceiver> {
  const r = await startReceiver({ answer });
  receivers.push(r);
  return r;
}

function webhookEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    CHATBATCH_WEBHOOK_SECRET: SECRET,
    CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'on',
    CHATBATCH_WEBHOOK_BACKOFF_MS: '200',
    ...overrides,
  };
}

const deliveries = async (worker: RunningWorker) =>
  Object.fromEntries(
    (await worker.metrics.webhookDeliveries.get()).values.map((v) => [v.labels.outcome, v.value]),
  ) as Record<string, number>;

const completedFor = (r: TestReceiver, batchId: string): ReceivedHook | undefined =>
  r.received.find((hook) => {
    const body = bodyOf(hook);
    return hook.status === 204 && body.type === 'batch.completed' && body.data.batchId === batchId;
  });

describe('webhook delivery', () => {
  it('receivers down for 20 s: each batch.completed arrives at its own URL soon after they come up, signed', async () => {
    const targets = [await receiver(), await receiver(), await receiver()];
    for (const r of targets) await r.down();
    const downAt = Date.now();
    pipeline = await createPipeline({
      label: 'wh-down',
      simulator: { latencyMs: 10 },
      env: webhookEnv({ CHATBATCH_WEBHOOK_BACKOFF_MS: '250' }),
    });
    for (const [i, r] of targets.entries()) {
      await pipeline.ingestCsv(csv(4, 2, `d${i}`), `down-${i}`, { webhookUrl: r.url });
    }
    for (let i = 0; i < targets.length; i++) await pipeline.waitSettled(`down-${i}`, 30_000);
    // The events were tried while nobody listened.
    await waitFor(async () => (await deliveries(pipeline!.worker!)).retry! >= 3, {
      timeoutMs: 15_000,
      what: 'failed attempts while the receivers were down',
    });
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, downAt + 20_000 - Date.now())));
    for (const r of targets) await r.up();
    const upAt = Date.now();

    await waitFor(() => targets.every((r, i) => completedFor(r, `down-${i}`)), {
      timeoutMs: 90_000,
      intervalMs: 200,
      what: "each batch's batch.completed at its own receiver",
    });
    for (const [i, r] of targets.entries()) {
      const hook = completedFor(r, `down-${i}`)!;
      expect(hook.at - upAt).toBeLessThan(90_000);
      // Its own URL only: no other batch's event reached this receiver.
      for (const other of r.received) expect(bodyOf(other).data.batchId).toBe(`down-${i}`);
      for (const other of r.received) expect(verifyHook(SECRET, other)).toEqual(bodyOf(other));
      const body = bodyOf(hook);
      expect(body.data).toEqual(await pipeline.producer.batchStore.status(`down-${i}`));
      expect(body.data).toMatchObject({ state: 'completed', conversations: { completed: 4 } });
    }
    expect((await deliveries(pipeline.worker!)).delivered).toBeGreaterThanOrEqual(3);
  }, 120_000);

  it('a receiver answering 500 five times, then 204: delivered, one webhook-id and body, gaps on the schedule', async () => {
    const base = 200;
    const target = await receiver((_request, seen) => (seen < 5 ? 500 : 204));
    pipeline = await createPipeline({
      label: 'wh-500',
      simulator: { latencyMs: 5 },
      env: webhookEnv({ CHATBATCH_WEBHOOK_BACKOFF_MS: String(base) }),
    });
    await pipeline.ingestCsv(csv(1, 1, 'f'), 'flaky', { webhookUrl: target.url });
    await waitFor(() => target.received.some((h) => h.status === 204), {
      timeoutMs: 30_000,
      what: 'the delivery after five 500s',
    });
    const attempts = target.received;
    expect(attempts.map((h) => h.status)).toEqual([500, 500, 500, 500, 500, 204]);
    expect(new Set(attempts.map((h) => h.id)).size).toBe(1);
    expect(new Set(attempts.map((h) => h.body)).size).toBe(1);
    for (const hook of attempts) expect(verifyHook(SECRET, hook)).toEqual(bodyOf(hook));
    // After failure n the wait is drawn from [e/2, e), e = base·2^(n−1). Loose upper margin:
    // a loaded machine may start a due job late, never early.
    for (let n = 1; n < attempts.length; n++) {
      const gap = attempts[n]!.at - attempts[n - 1]!.at;
      const e = base * 2 ** (n - 1);
      expect(gap, `gap after failure ${n}`).toBeGreaterThanOrEqual(e / 2 - 50);
      expect(gap, `gap after failure ${n}`).toBeLessThan(e + 1500);
    }
    // The receiver has answered 204; the worker counts the delivery once it has read that answer.
    await waitFor(async () => (await deliveries(pipeline!.worker!)).delivered === 1, {
      timeoutMs: 10_000,
      what: 'the delivery counted',
    });
    expect(await deliveries(pipeline.worker!)).toMatchObject({ retry: 5, delivered: 1, failed: 0 });
    // Settled: nothing pending, nothing failed.
    expect(await pipeline.producer.redis.zcard(pipeline.producer.keys.webhookPending)).toBe(0);
  });

  it('a receiver that keeps failing: retried until the max age, then failed and counted; a retry re-sends it', async () => {
    let status = 500;
    const target = await receiver(() => status);
    pipeline = await createPipeline({
      label: 'wh-maxage',
      simulator: { latencyMs: 5 },
      env: webhookEnv({ CHATBATCH_WEBHOOK_MAX_AGE: '3s', CHATBATCH_WEBHOOK_BACKOFF_MS: '100' }),
    });
    await pipeline.ingestCsv(csv(1, 1, 'm'), 'maxage', { webhookUrl: target.url });
    const failed = () => pipeline!.producer.failedWebhooks.list('maxage');
    await waitFor(async () => (await failed()).length === 1, {
      timeoutMs: 20_000,
      what: 'the event to be marked failed',
    });
    const [event] = await failed();
    expect(event).toMatchObject({ type: 'batch.completed', reason: 'HTTP 500' });
    const first = target.received[0]!;
    const last = target.received.at(-1)!;
    expect(event!.attempts).toBe(target.received.length);
    expect(target.received.length).toBeGreaterThanOrEqual(4);
    // Retried for the max age (3 s), and no longer.
    expect(last.at - first.at).toBeGreaterThan(2000);
    expect(last.at - first.at).toBeLessThan(3000 + 1500);
    expect(await deliveries(pipeline.worker!)).toMatchObject({ failed: 1, delivered: 0 });
    const seen = target.received.length;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(target.received.length).toBe(seen);

    status = 204;
    expect(await pipeline.producer.failedWebhooks.retry('maxage')).toBe(1);
    await waitFor(() => target.received.some((h) => h.status === 204), {
      timeoutMs: 15_000,
      what: 'the re-sent event',
    });
    const resent = target.received.find((h) => h.status === 204)!;
    expect(resent.id).toBe(first.id);
    expect(resent.body).toBe(first.body);
    expect(verifyHook(SECRET, resent)).toEqual(bodyOf(first));
    await waitFor(async () => (await failed()).length === 0, { what: 'the failed record cleared' });
  });

  it('a receiver on a private address is refused while ALLOW_PRIVATE is off: failed at once with the reason, re-sent by `webhooks retry`', async () => {
    const target = await receiver();
    pipeline = await createPipeline({
      label: 'wh-private',
      simulator: { latencyMs: 5 },
      env: webhookEnv({ CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'off' }),
    });
    await pipeline.ingestCsv(csv(2, 1, 'p'), 'private', { webhookUrl: target.url });
    const failed = () => pipeline!.producer.failedWebhooks.list('private');
    await waitFor(async () => (await failed()).length === 1, {
      timeoutMs: 20_000,
      what: 'the refused event to be marked failed',
    });
    const [event] = await failed();
    expect(event!.attempts).toBe(1);
    expect(event!.reason).toContain('127.0.0.1 is a loopback address');
    expect(event!.reason).toContain('CHATBATCH_WEBHOOK_ALLOW_PRIVATE');
    expect(target.received).toEqual([]);

    const listed = await runCli(['webhooks', 'failed', 'private', '--json'], pipeline.env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout.trim())).toMatchObject({
      id: event!.id,
      type: 'batch.completed',
      attempts: 1,
    });
    expect(listed.stdout).toContain('loopback');

    // The operator allows private receivers (a new worker) and re-sends the batch's failed events.
    await pipeline.worker!.close();
    await pipeline.startWorker({ CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'on' });
    const retried = await runCli(['webhooks', 'retry', 'private', '--json'], pipeline.env);
    expect(retried.code, retried.stderr).toBe(0);
    expect(JSON.parse(retried.stdout)).toEqual({ batchId: 'private', resent: 1 });
    await waitFor(() => target.received.length === 1, {
      timeoutMs: 15_000,
      what: 'the re-sent event',
    });
    expect(target.received[0]!.id).toBe(event!.id);
    expect(verifyHook(SECRET, target.received[0]!)).toMatchObject({ type: 'batch.completed' });
    const missing = await runCli(['webhooks', 'retry', 'no-such-batch'], pipeline.env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('no such batch');
  });
});
