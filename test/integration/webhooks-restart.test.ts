import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { stopProcesses } from '../helpers/spawned-teardown.js';
import type { Gauge } from 'prom-client';
import { createBatchControl } from '../../src/producer/batch-control.js';
import { webhookBacklogCollector } from '../../src/webhooks/backlog.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import {
  bodyOf,
  startReceiver,
  verifyHook,
  type TestReceiver,
} from '../helpers/webhook-receiver.js';

/**
 * Events survive the death of every worker: pending deliveries are jobs in Redis, events that
 * happen while no worker runs wait in the outbox. Worker processes (dist/cli/main.js) are
 * SIGKILLed while deliveries are retrying and in flight; a new worker delivers every event,
 * each with the webhook-id and body it had before.
 */

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const processes: Spawned[] = [];
let pipeline: Pipeline | undefined;
let receiver: TestReceiver | undefined;

afterEach(async () => {
  await stopProcesses(processes);
  await pipeline?.close();
  pipeline = undefined;
  await receiver?.close();
  receiver = undefined;
});

function csv(conversations: number, tag: string): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let c = 1; c <= conversations; c++) lines.push(`${tag}${c},agent-1,hello ${tag}${c}`);
  return `${lines.join('\n')}\n`;
}

describe('webhook events and worker deaths', () => {
  it('SIGKILLed workers lose no event: each is delivered at least once, with a stable webhook-id', async () => {
    let accepting = false;
    // Failing slowly at first, so that some deliveries are in flight when the workers die.
    receiver = await startReceiver({
      answer: async () => {
        if (accepting) return 204;
        await new Promise((resolve) => setTimeout(resolve, 300));
        return 500;
      },
    });
    pipeline = await createPipeline({
      label: 'wh-kill',
      worker: false,
      simulator: { latencyMs: 5 },
      env: {
        CHATBATCH_WEBHOOK_SECRET: SECRET,
        CHATBATCH_WEBHOOK_ALLOW_PRIVATE: 'on',
        CHATBATCH_WEBHOOK_BACKOFF_MS: '300',
        LOG_LEVEL: 'warn',
      },
    });
    const { producer } = pipeline;
    const env = { ...pipeline.env, CHATBATCH_CONCURRENCY: '5' };
    const batches = ['k0', 'k1', 'k2'];
    for (const batchId of batches) {
      await pipeline.ingestCsv(csv(4, batchId), batchId, {
        webhookUrl: receiver.url,
        webhookEvents: ['conversation.finished'],
      });
    }
    for (let i = 0; i < 2; i++) processes.push(spawnCli(['worker'], env));
    for (const batchId of batches) await pipeline.waitSettled(batchId, 30_000);
    // 3 batches × (4 conversation.finished + 1 batch.completed), all relayed and being tried.
    const expected = new Set<string>();
    await waitFor(
      async () => {
        const pending = await producer.redis.zrange(producer.keys.webhookPending, 0, -1);
        pending.forEach((id) => expected.add(id));
        return expected.size === 15 && receiver!.received.length >= 5;
      },
      { timeoutMs: 20_000, what: '15 events relayed and attempted' },
    );
    const triedBefore = new Map(receiver.received.map((h) => [h.id, h.body]));

    for (const worker of processes) worker.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited));

    // While no worker runs: a cancel writes its events to the outbox, to wait there.
    await pipeline.ingestCsv(csv(2, 'k3'), 'k3', { webhookUrl: receiver.url });
    const control = createBatchControl({
      batchStore: producer.batchStore,
      maintenance: producer.maintenance,
      turnQueue: () => producer.turnQueue,
    });
    await control.run('cancel', 'k3');
    // (Entries of the other batches may be there too: a relay killed after adding their jobs
    // and before removing them. They are relayed again, and their job ids make that a no-op.)
    const outbox = (await producer.redis.lrange(producer.keys.webhookOutbox, 0, -1)).map(
      (text) => JSON.parse(text) as { id: string; type: string; bkey: string },
    );
    expect(outbox.filter((e) => e.bkey.endsWith(':b:k3')).map((e) => e.type)).toEqual([
      'batch.cancelled',
      'batch.completed',
    ]);
    outbox.forEach((e) => expected.add(e.id));

    accepting = true;
    processes.push(spawnCli(['worker'], env));
    const delivered = () =>
      new Set(receiver!.received.filter((h) => h.status === 204).map((h) => h.id));
    await waitFor(() => [...expected].every((id) => delivered().has(id)), {
      timeoutMs: 45_000,
      intervalMs: 200,
      what: `all ${expected.size} events delivered after the restart`,
    });

    expect(expected.size).toBe(17);
    for (const hook of receiver.received) {
      expect(expected.has(hook.id), `unexpected webhook-id ${hook.id}`).toBe(true);
      expect(verifyHook(SECRET, hook)).toEqual(bodyOf(hook));
    }
    // Stable: an event tried before the kill is delivered after it with the same id and body.
    expect(triedBefore.size).toBeGreaterThan(0);
    for (const [id, body] of triedBefore) {
      const after = receiver.received.find((h) => h.id === id && h.status === 204)!;
      expect(after.body).toBe(body);
    }
    const types = [...delivered()].map(
      (id) => bodyOf(receiver!.received.find((h) => h.id === id)!).type,
    );
    expect(types.filter((t) => t === 'conversation.finished')).toHaveLength(12);
    expect(types.filter((t) => t === 'batch.completed')).toHaveLength(4);
    expect(types.filter((t) => t === 'batch.cancelled')).toHaveLength(1);
    // Nothing is left on its way: the age-of-oldest gauge reads 0.
    const backlog = webhookBacklogCollector({
      redis: producer.redis,
      keys: producer.keys,
      now: Date.now,
      cacheMs: 0,
    });
    let oldest = -1;
    await waitFor(
      async () => {
        await backlog({ set: (value: number) => (oldest = value) } as unknown as Gauge);
        return oldest === 0;
      },
      { what: 'the oldest-undelivered gauge at 0' },
    );
    expect(await producer.redis.llen(producer.keys.webhookOutbox)).toBe(0);
  }, 90_000);
});
