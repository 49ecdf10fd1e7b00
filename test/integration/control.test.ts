import { afterEach, describe, expect, it } from 'vitest';
import { createBatchControl } from '../../src/producer/batch-control.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { checkChains } from '../helpers/chain-check.js';
import { waitFor } from '../helpers/cli.js';

function csv(conversations: number, turns: number, tag: string): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let c = 1; c <= conversations; c++) {
    for (let t = 1; t <= turns; t++) lines.push(`${tag}${c},agent-1,${tag}${c} turn ${t}`);
  }
  return `${lines.join('\n')}\n`;
}

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

const control = (p: Pipeline) =>
  createBatchControl({
    batchStore: p.producer.batchStore,
    maintenance: p.producer.maintenance,
    turnQueue: () => p.producer.turnQueue,
  });

describe('batch control', () => {
  it('pause holds a batch (others go on), resume continues it', async () => {
    pipeline = await createPipeline({
      label: 'pause',
      worker: false,
      simulator: { latencyMs: 20 },
    });
    await pipeline.ingestCsv(csv(20, 2, 'a'), 'held');
    await pipeline.ingestCsv(csv(5, 1, 'o'), 'other');
    const paused = await control(pipeline).run('pause', 'held');
    expect(paused).toMatchObject({ changed: true, status: { state: 'paused' } });
    await pipeline.startWorker();
    await pipeline.waitSettled('other');
    await new Promise((r) => setTimeout(r, 300));
    expect(pipeline.simulator.log.filter((e) => e.input?.startsWith('a'))).toHaveLength(0);

    const resumed = await control(pipeline).run('resume', 'held');
    expect(resumed).toMatchObject({ changed: true, conversations: 20 });
    const status = await pipeline.waitSettled('held');
    expect(status.conversations.completed).toBe(20);
    expect(checkChains(await pipeline.results('held'), pipeline.simulator.log).violations).toEqual(
      [],
    );
  });

  it('cancel marks every unfinished turn cancelled and sends nothing more', async () => {
    pipeline = await createPipeline({ label: 'cancel', worker: false });
    await pipeline.ingestCsv(csv(10, 3, 'c'), 'gone');
    const result = await control(pipeline).run('cancel', 'gone');
    expect(result).toMatchObject({
      changed: true,
      conversations: 10,
      status: { state: 'cancelled' },
    });
    expect(result.status.turns).toMatchObject({ cancelled: 30, pending: 0 });
    await pipeline.startWorker();
    await new Promise((r) => setTimeout(r, 500));
    expect(pipeline.simulator.log).toHaveLength(0);
    const results = await pipeline.results('gone');
    expect(new Set(results.map((r) => r.status))).toEqual(new Set(['cancelled']));
  });

  it('retry-failed sends failed turns again and continues their conversations', async () => {
    let refuse = true;
    pipeline = await createPipeline({
      label: 'retryf',
      simulator: {
        script: (r) => (refuse && r.input.endsWith('turn 2') ? { httpStatus: 422 } : undefined),
      },
    });
    await pipeline.ingestCsv(csv(4, 3, 'f'), 'rf');
    let status = await pipeline.waitSettled('rf');
    expect(status.conversations.failed).toBe(4);
    expect(status.turns).toMatchObject({ completed: 4, failed: 4, skipped: 4 });
    refuse = false;
    const result = await control(pipeline).run('retry-failed', 'rf');
    expect(result.conversations).toBe(4);
    status = await pipeline.waitSettled('rf');
    expect(status.conversations).toMatchObject({ completed: 4, failed: 0 });
    expect(status.turns).toMatchObject({ completed: 12, failed: 0, skipped: 0 });
    expect(checkChains(await pipeline.results('rf'), pipeline.simulator.log).violations).toEqual(
      [],
    );
  });

  it('an unknown batch is an error', async () => {
    pipeline = await createPipeline({ label: 'unknown', worker: false });
    await expect(control(pipeline).run('pause', 'nope')).rejects.toThrow('no such batch: nope');
  });
});

describe('vendor credential failure', () => {
  it('a 401 pauses the queue instead of failing the batch; resume continues with the fixed key', async () => {
    pipeline = await createPipeline({ label: 'auth', worker: false });
    await pipeline.ingestCsv(csv(15, 2, 'k'), 'auth');
    const wrong = await pipeline.startWorker({ SIGMAMIND_API_KEY: 'revoked-key' });
    await waitFor(async () => (await pipeline!.producer.maintenance.authPause()) !== undefined, {
      what: 'the auth pause',
    });
    const metric = await wrong.metrics.registry.getSingleMetricAsString(
      'chatbatch_vendor_auth_failures_total',
    );
    expect(metric).toMatch(/status_code="401"} [1-9]/);
    expect(await pipeline.producer.turnQueue.queue.isPaused()).toBe(true);
    await wrong.close();

    let status = (await pipeline.producer.batchStore.status('auth'))!;
    expect(status.state).toBe('paused');
    expect(status.conversations.failed).toBe(0);

    await pipeline.startWorker();
    const resumed = await control(pipeline).run('resume', 'auth');
    expect(resumed.changed).toBe(true);
    status = await pipeline.waitSettled('auth');
    expect(status.conversations).toMatchObject({ completed: 15, failed: 0 });
    const results = await pipeline.results('auth');
    // The refused attempts were refunded: each turn used one counted attempt.
    expect(results.every((r) => r.status === 'completed' && r.attempts === 1)).toBe(true);
  });
});

describe('stuck-work watchdog', () => {
  it('requeues conversations whose jobs vanished', async () => {
    pipeline = await createPipeline({ label: 'watchdog', worker: false });
    await pipeline.ingestCsv(csv(12, 2, 'w'), 'lost');
    // Lose every job, as a Redis that kept nothing on disk would after a restart.
    await pipeline.producer.turnQueue.queue.obliterate({ force: true });
    await pipeline.startWorker({ CHATBATCH_WATCHDOG_INTERVAL_MS: '1000' });
    const status = await pipeline.waitSettled('lost', 20_000);
    expect(status.conversations.completed).toBe(12);
    expect(checkChains(await pipeline.results('lost'), pipeline.simulator.log).violations).toEqual(
      [],
    );
  });
});
