import { afterEach, describe, expect, it } from 'vitest';
import { createScheduleService } from '../../src/producer/schedules/schedule-service.js';
import { startScheduleRunner } from '../../src/producer/schedules/schedule-runner.js';
import { createLogger } from '../../src/shared/logger.js';
import { createRedis } from '../../src/shared/redis.js';
import { parseSendWindow } from '../../src/shared/send-window.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { waitFor } from '../helpers/cli.js';

let pipeline: Pipeline | undefined;
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await pipeline?.close();
  pipeline = undefined;
});

const csv =
  'conversation_id,agent_id,input,timezone\n' +
  'a,ag,hello a,Asia/Tokyo\nb,ag,hello b,America/New_York\na,ag,again a,\n';

describe('scheduling', () => {
  it('a batch scheduled 3 s ahead sends nothing early and everything after', async () => {
    pipeline = await createPipeline({ label: 'sched' });
    const start = Date.now() + 3000;
    await pipeline.ingestCsv(csv, 'later', { scheduleAt: start });
    const status = (await pipeline.producer.batchStore.status('later'))!;
    expect(status.state).toBe('scheduled');
    expect(status.scheduledAt).toBe(new Date(start).toISOString());
    await new Promise((r) => setTimeout(r, 2000));
    expect(pipeline.simulator.log).toHaveLength(0);
    const done = await pipeline.waitSettled('later', 15_000);
    expect(done.conversations.completed).toBe(2);
    expect(Math.min(...pipeline.simulator.log.map((e) => e.receivedAt))).toBeGreaterThanOrEqual(
      start,
    );
  });

  it('turns not sent by the deadline expire; finished turns are kept', async () => {
    pipeline = await createPipeline({ label: 'expire', worker: false });
    await pipeline.ingestCsv(csv, 'deadline', { expireAt: Date.now() + 1500 });
    await new Promise((r) => setTimeout(r, 1600));
    await pipeline.startWorker();
    const status = await pipeline.waitSettled('deadline', 10_000);
    expect(status.conversations).toMatchObject({ expired: 2, completed: 0 });
    expect(status.turns).toMatchObject({ expired: 3, pending: 0 });
    expect(pipeline.simulator.log).toHaveLength(0);
    const results = await pipeline.results('deadline');
    expect(results.map((r) => r.status)).toEqual(['expired', 'expired', 'expired']);
  });

  it("a recipient outside the send window is delayed to the window's opening in their zone", async () => {
    pipeline = await createPipeline({ label: 'window', worker: false });
    // A window that opens two hours from now (UTC, every day), an hour wide.
    const opensAt = new Date(Math.ceil((Date.now() + 2 * 3_600_000) / 60_000) * 60_000);
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const closes = new Date(opensAt.getTime() + 3_600_000);
    const closeText = closes.getUTCDate() === opensAt.getUTCDate() ? hhmm(closes) : '24:00';
    const window = parseSendWindow(`mon-sun ${hhmm(opensAt)}-${closeText} UTC`);
    await pipeline.ingestCsv('input,agent_id\nhi there,ag\n', 'win', { window });
    let clock = Date.now();
    const worker = await pipeline.startWorker({}, () => clock);
    const queue = pipeline.producer.turnQueue.queue;
    await waitFor(async () => (await queue.getDelayedCount()) === 1, { what: 'the delayed turn' });
    const [job] = await queue.getDelayed();
    // BullMQ keeps a delayed job's due time in its score (ms × 0x1000 + a counter).
    const score = await pipeline.producer.redis.zscore(
      `${pipeline.producer.keys.jobPrefix}delayed`,
      job!.id!,
    );
    expect(Math.floor(Number(score) / 0x1000)).toBe(opensAt.getTime());
    expect(pipeline.simulator.log).toHaveLength(0);
    expect((await pipeline.producer.batchStore.status('win'))!.conversations.pending).toBe(1);
    expect(
      await worker.metrics.registry.getSingleMetricAsString('chatbatch_window_delayed_turns_total'),
    ).toMatch(/ 1$/m);
    // At the opening the turn goes out.
    clock = opensAt.getTime() + 1000;
    await job!.promote();
    const status = await pipeline.waitSettled('win');
    expect(status.conversations.completed).toBe(1);
    expect(pipeline.simulator.log).toHaveLength(1);
  });

  it('a recurring schedule fires twice and creates two distinct batches', async () => {
    // Firings every 2 s: far below the default minimum interval (1 h), so lowered here.
    pipeline = await createPipeline({
      label: 'cron',
      env: { CHATBATCH_SCHEDULE_MIN_INTERVAL: '1s' },
    });
    const { redis, keys } = pipeline.producer;
    const schedules = createScheduleService({
      redis,
      keys,
      connection: redis,
      minIntervalMs: pipeline.config.scheduleMinIntervalMs,
    });
    cleanups.push(() => schedules.close());
    const workerRedis = createRedis(pipeline.config.redisUrl, 'worker');
    cleanups.push(() => workerRedis.quit());
    const runner = startScheduleRunner({
      connection: workerRedis,
      bullPrefix: keys.bullPrefix,
      schedules,
      ingest: pipeline.producer.ingestDeps(),
      logger: createLogger('silent'),
    });
    cleanups.push(() => runner.close());
    await schedules.add({
      name: 'daily',
      cron: '*/2 * * * * *',
      tz: 'Europe/Berlin',
      csv,
      agentId: 'ag',
    });
    const batches = async () =>
      (await pipeline!.producer.batchStore.list(0, 10)).batchIds.filter((id) =>
        id.startsWith('daily-'),
      );
    await waitFor(async () => (await batches()).length >= 2, {
      timeoutMs: 15_000,
      what: 'two firings',
    });
    const ids = (await batches()).slice(0, 2);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids.slice(0, 2)) {
      expect(id).toMatch(/^daily-\d{8}T\d{6}Z$/);
      expect((await pipeline.waitSettled(id)).conversations.completed).toBe(2);
    }
    // A double fire of the same firing time creates nothing twice.
    const firedAt = Date.parse(
      ids[0]!
        .slice(6)
        .replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
    );
    const again = await runner.fire({
      data: { schedule: 'daily' },
      opts: { prevMillis: firedAt },
      timestamp: firedAt,
    });
    expect(again).toBe(ids[0]);
    expect((await pipeline.producer.batchStore.status(ids[0]!))!.conversations.total).toBe(2);
    await schedules.setPaused('daily', true);
    expect((await schedules.list())[0]).toMatchObject({ name: 'daily', paused: true, next: null });
  });

  it('a stored schedule that fires too often is not run', async () => {
    pipeline = await createPipeline({ label: 'cron-fast', worker: false });
    const { redis, keys } = pipeline.producer;
    // Default minimum interval (1 h); the definition is written as an older version stored it.
    const schedules = createScheduleService({ redis, keys, connection: redis });
    cleanups.push(() => schedules.close());
    await redis.set(
      keys.schedule('fast'),
      JSON.stringify({
        name: 'fast',
        cron: '* * * * * *',
        tz: 'UTC',
        csv,
        agentId: 'ag',
        paused: false,
        createdAt: new Date().toISOString(),
      }),
    );
    const workerRedis = createRedis(pipeline.config.redisUrl, 'worker');
    cleanups.push(() => workerRedis.quit());
    const runner = startScheduleRunner({
      connection: workerRedis,
      bullPrefix: keys.bullPrefix,
      schedules,
      ingest: pipeline.producer.ingestDeps(),
      logger: createLogger('silent'),
    });
    cleanups.push(() => runner.close());
    const fired = await runner.fire({
      data: { schedule: 'fast' },
      opts: {},
      timestamp: Date.now(),
    });
    expect(fired).toBeUndefined();
    expect((await pipeline.producer.batchStore.list(0, 10)).total).toBe(0);
    await expect(schedules.setPaused('fast', false)).rejects.toThrow(/minimum interval/);
  });
});
