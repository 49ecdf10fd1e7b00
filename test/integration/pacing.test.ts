import { afterEach, describe, expect, it } from 'vitest';
import { perSecond, windowStats } from '../../bench/lib/pacing-stats.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { stopProcessesThenPipeline } from '../helpers/spawned-teardown.js';

/**
 * Adaptive pacing end to end: the simulator's capacity (or a scripted 429), real Redis, real
 * workers. Margins are loose on purpose: CI is a loaded 2-core machine, so these check the
 * behaviour (converges, follows a change, does not freeze), the bench measures the figures.
 */

function csv(conversations: number, tag: string): string {
  const lines = ['agent_id,input'];
  for (let c = 1; c <= conversations; c++) lines.push(`agent-1,${tag} ${c}`);
  return `${lines.join('\n')}\n`;
}

let pipeline: Pipeline | undefined;
const processes: Spawned[] = [];
afterEach(async () => {
  await stopProcessesThenPipeline(processes, pipeline);
  pipeline = undefined;
});

/**
 * A pipeline whose simulator answers request 5 with a 429 carrying `retryAfterSeconds`, and a
 * worker held to 40 starts/s, so the run lasts a few seconds whatever the machine's speed.
 */
async function oneRefusal(
  label: string,
  retryAfterSeconds: number,
  conversations: number,
  env: Record<string, string>,
) {
  const p = await createPipeline({
    label,
    worker: false,
    simulator: {
      latencyMs: 20,
      faults: { rates: {}, retryAfterSeconds },
      script: (request) => (request.seq === 5 ? { httpStatus: 429 } : undefined),
    },
  });
  await p.ingestCsv(csv(conversations, label), label);
  const worker = await p.startWorker({
    CHATBATCH_CONCURRENCY: '4',
    CHATBATCH_RATE_LIMIT: '40',
    ...env,
  });
  await waitFor(() => p.simulator.log.some((e) => e.status === 429), { what: 'the 429' });
  const refused = p.simulator.log.find((e) => e.status === 429)!;
  return { p, worker, refused };
}

describe('a vendor 429 with adaptive pacing', () => {
  it('delays only its own turn (at least its Retry-After); the other turns go on', async () => {
    const { p, worker, refused } = await oneRefusal('one429', 3, 150, {});
    pipeline = p;
    const status = await p.waitSettled('one429', 30_000);
    expect(status.conversations.completed).toBe(150);
    const log = p.simulator.log;
    const retry = log.find((e) => e.input === refused.input && e.seq > refused.seq)!;
    expect(retry.status).toBe(200);
    expect(retry.receivedAt - refused.receivedAt).toBeGreaterThanOrEqual(3000);
    // Meanwhile the other turns kept going: no fleet-wide freeze.
    const during = log.filter(
      (e) => e.receivedAt > refused.receivedAt + 300 && e.receivedAt < refused.receivedAt + 2500,
    );
    expect(during.length).toBeGreaterThan(20);
    // One 429 among a worker's first attempts tells too little to slow the fleet down.
    expect((await worker.metrics.pacerThrottles.get()).values[0]?.value ?? 0).toBe(0);
    // The 429 is one of the turn's attempts, like any retried failure.
    const record = (await p.results('one429')).find((r) => r.input === refused.input)!;
    expect(record.attempts).toBe(2);
    expect((await worker.metrics.rateLimited.get()).values[0]?.value).toBe(1);
    expect((await worker.metrics.pacerFleetPauses.get()).values[0]?.value ?? 0).toBe(0);
  });

  it('a Retry-After of 30 s or more still pauses every worker, logged and counted', async () => {
    const { p, worker, refused } = await oneRefusal('long429', 30, 60, {});
    pipeline = p;
    await waitFor(
      async () => (await worker.metrics.pacerFleetPauses.get()).values[0]?.value === 1,
      { what: 'the fleet pause to be counted' },
    );
    const ttl = await p.producer.turnQueue.queue.getRateLimitTtl(1);
    expect(ttl).toBeGreaterThan(20_000);
    expect(ttl).toBeLessThanOrEqual(30_000);
    // Only requests already on their way when the 429 came back get through.
    await new Promise((r) => setTimeout(r, 1500));
    const after = p.simulator.log.filter((e) => e.receivedAt > refused.receivedAt + 500);
    expect(after).toEqual([]);
  });
});

describe('without a ceiling (CHATBATCH_RATE_LIMIT=0)', () => {
  it('a long Retry-After met by one worker stops the others too, though they run without a limiter until then', async () => {
    const p = await createPipeline({
      label: 'nolimit429',
      worker: false,
      simulator: {
        latencyMs: 30,
        faults: { rates: {}, retryAfterSeconds: 30 },
        script: (request) => (request.seq === 8 ? { httpStatus: 429 } : undefined),
      },
    });
    pipeline = p;
    // Enough work that, unpaused, both workers would still be sending seconds later.
    await p.ingestCsv(csv(2_000, 'nolimit429'), 'nolimit429');
    const env = { CHATBATCH_CONCURRENCY: '2', CHATBATCH_RATE_LIMIT: '0' };
    const workers = [await p.startWorker(env), await p.startWorker(env)];
    await waitFor(
      async () => {
        const paused = await Promise.all(
          workers.map(async (w) => (await w.metrics.pacerFleetPauses.get()).values[0]?.value),
        );
        return paused.includes(1);
      },
      { what: 'the fleet pause' },
    );
    const refused = p.simulator.log.find((e) => e.status === 429)!;
    await new Promise((r) => setTimeout(r, 2000));
    // Only requests already on their way when the 429 came back, from either worker.
    const after = p.simulator.log.filter((e) => e.receivedAt > refused.receivedAt + 500);
    expect(after).toEqual([]);
    const status = await p.producer.batchStore.status('nolimit429');
    expect(status?.conversations.completed ?? 0).toBeLessThan(1_000);
  });
});

describe('CHATBATCH_ADAPTIVE=off', () => {
  it('every 429 pauses every worker for the backoff, as before', async () => {
    const { p, worker, refused } = await oneRefusal('off429', 3, 100, {
      CHATBATCH_ADAPTIVE: 'off',
    });
    pipeline = p;
    const status = await p.waitSettled('off429', 30_000);
    expect(status.conversations.completed).toBe(100);
    const silent = p.simulator.log.filter(
      (e) => e.receivedAt > refused.receivedAt + 300 && e.receivedAt < refused.receivedAt + 2500,
    );
    expect(silent).toEqual([]);
    expect((await worker.metrics.pacerThrottles.get()).values[0]?.value ?? 0).toBe(0);
    // Nothing is counted for the pacer either.
    expect(await p.producer.redis.keys(`{${p.prefix}}:pacer*`)).toEqual([]);
  });
});

describe('convergence against a vendor capacity', () => {
  it('finds the capacity, follows it down and back up; a worker started later inherits the pace', async () => {
    const CAPACITY = 40;
    pipeline = await createPipeline({
      label: 'converge',
      worker: false,
      simulator: { latencyMs: 20, capacity: CAPACITY },
    });
    await pipeline.ingestCsv(csv(2600, 'cv'), 'cv');
    const env = {
      ...pipeline.env,
      CHATBATCH_RATE_LIMIT: '200',
      CHATBATCH_CONCURRENCY: '10',
      CHATBATCH_BACKOFF_MS: '200',
      LOG_LEVEL: 'info',
    };
    for (let i = 0; i < 2; i++) processes.push(spawnCli(['worker'], env));
    await waitFor(() => pipeline!.simulator.log.length > 0, { what: 'the first request' });
    const t0 = pipeline.simulator.log[0]!.receivedAt;
    const at = (s: number) => new Promise((r) => setTimeout(r, t0 + s * 1000 - Date.now()));

    await at(14);
    pipeline.simulator.setCapacity(CAPACITY / 2);
    await at(20);
    const late = spawnCli(['worker'], env);
    processes.push(late);
    await waitFor(() => /"worker started"/.test(late.output()), { what: 'the late worker' });
    await at(26);
    pipeline.simulator.setCapacity(CAPACITY);
    await at(46);

    const log = pipeline.simulator.log;
    const counts = perSecond(
      { receivedAt: log.map((e) => e.receivedAt), status: log.map((e) => e.status) },
      t0,
      46,
    );
    const report = `accepted/s ${counts.accepted.join(' ')}; 429s/s ${counts.refused.join(' ')}`;
    // Settled at the capacity: well above what a frozen fleet gets, never above the capacity.
    const first = windowStats(counts, 7, 14);
    expect(first.acceptedPerSecond, report).toBeGreaterThan(0.6 * CAPACITY);
    expect(first.acceptedPerSecond, report).toBeLessThanOrEqual(1.05 * CAPACITY);
    expect(first.refusedShare, report).toBeLessThan(0.2);
    // Followed the capacity down.
    const lowered = windowStats(counts, 20, 26);
    expect(lowered.acceptedPerSecond, report).toBeGreaterThan(0.55 * (CAPACITY / 2));
    expect(lowered.acceptedPerSecond, report).toBeLessThanOrEqual(1.05 * (CAPACITY / 2));
    expect(lowered.refusedShare, report).toBeLessThan(0.25);
    // And back up: some 3-second stretch within 20 s at 70% of it or more.
    const best = Math.max(
      ...Array.from(
        { length: 18 },
        (_, i) => windowStats(counts, 28 + i, 31 + i).acceptedPerSecond,
      ),
    );
    expect(best, report).toBeGreaterThan(0.7 * CAPACITY);

    // The late worker started at the fleet's pace (during the lowered phase), not at 200/s.
    const started = JSON.parse(
      late
        .output()
        .split('\n')
        .find((l) => l.includes('"worker started"'))!,
    ) as { pacedRate?: number };
    expect(started.pacedRate, late.output().slice(0, 2000)).toBeGreaterThan(0);
    expect(started.pacedRate).toBeLessThan(2 * CAPACITY);
  }, 120_000);
});
