import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { stopProcesses } from '../helpers/spawned-teardown.js';
import { startThrowawayRedis, type ThrowawayRedis } from '../../src/cli/throwaway-redis.js';
import { createScheduleFiring } from '../../src/producer/schedules/schedule-runner.js';
import { openServices, type Services } from '../../src/services.js';
import { loadConfig } from '../../src/shared/config.js';
import { createLogger } from '../../src/shared/logger.js';
import { createSimulator } from '../../src/simulator/index.js';
import { runCli, spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { TEST_API_KEY } from '../helpers/pipeline.js';

/**
 * Long-running pollers ride out a Redis restart of a few seconds (issue: `status --wait` exited 1
 * while the workers rode it out); one-shot commands still fail fast. Each test runs its own
 * redis-server with AOF, stops it and starts it again on the same port and folder.
 */
const processes: Spawned[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  await stopProcesses(processes);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

async function restartableRedis(): Promise<{
  url: string;
  stop: () => Promise<void>;
  start: () => Promise<void>;
}> {
  const dir = await mkdtemp(join(tmpdir(), 'chatbatch-blip-'));
  let redis: ThrowawayRedis = await startThrowawayRedis({
    appendOnlyDir: dir,
    appendFsync: 'always',
  });
  cleanups.push(async () => {
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  });
  return {
    url: redis.url,
    stop: () => redis.stop(),
    async start() {
      redis = await startThrowawayRedis({
        port: redis.port,
        appendOnlyDir: dir,
        appendFsync: 'always',
      });
    },
  };
}

function exitOf(p: Spawned, timeoutMs: number): Promise<number | null> {
  return Promise.race([
    p.exited,
    new Promise<never>((_, reject) =>
      setTimeout(
        () => reject(new Error(`no exit in ${timeoutMs} ms:\n${p.output().slice(-2000)}`)),
        timeoutMs,
      ),
    ),
  ]);
}

describe('pollers and a Redis restart', () => {
  it('status --wait and --watch wait through a 3 s Redis restart; a one-shot status fails fast', async () => {
    const redis = await restartableRedis();
    const simulator = await createSimulator({ apiKey: TEST_API_KEY, latencyMs: 150 });
    cleanups.push(() => simulator.close());
    const env = {
      REDIS_URL: redis.url,
      CHATBATCH_PREFIX: 'blip-status',
      SIGMAMIND_BASE_URL: simulator.url,
      SIGMAMIND_API_KEY: TEST_API_KEY,
      METRICS_PORT: '0',
      CHATBATCH_BACKOFF_MS: '50',
      CHATBATCH_REQUEST_TIMEOUT_MS: '2000',
      CHATBATCH_STALLED_INTERVAL_MS: '2000',
      CHATBATCH_CONCURRENCY: '4',
    };
    const dir = await mkdtemp(join(tmpdir(), 'chatbatch-blip-csv-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const lines = ['conversation_id,agent_id,input'];
    for (let t = 1; t <= 3; t++) for (let c = 1; c <= 30; c++) lines.push(`b${c},ag,b${c} t${t}`);
    const file = join(dir, 'blip.csv');
    await writeFile(file, `${lines.join('\n')}\n`);
    const ingest = await runCli(['ingest', file, '--batch', 'blip', '--json'], env);
    expect(ingest.code, ingest.stderr).toBe(0);

    processes.push(spawnCli(['worker'], env));
    const waiting = spawnCli(['status', 'blip', '--wait', '--json', '--timeout', '120'], env);
    const watching = spawnCli(['status', 'blip', '--watch', '--timeout', '120'], env);
    processes.push(waiting, watching);
    // Both are polling (the batch takes ~7 s at 4 in flight and 150 ms a turn).
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(waiting.child.exitCode).toBeNull();

    await redis.stop();
    const downAt = Date.now();
    // While Redis is down, a one-shot status exits 1 at once, naming Redis.
    const oneShot = await runCli(['status', 'blip'], env);
    expect(oneShot.code).toBe(1);
    expect(oneShot.stderr).toMatch(/Redis/);
    expect(Date.now() - downAt).toBeLessThan(8000);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, 3000 - (Date.now() - downAt))));
    await redis.start();

    expect(await exitOf(waiting, 90_000)).toBe(0);
    expect(await exitOf(watching, 30_000)).toBe(0);
    const status = JSON.parse(
      waiting
        .output()
        .split('\n')
        .find((l) => l.startsWith('{'))!,
    );
    expect(status).toMatchObject({ state: 'completed', conversations: { completed: 30 } });
    // They did see the outage, and said so on stderr.
    for (const poller of [waiting, watching]) {
      expect(poller.output()).toMatch(/Redis is not answering/);
      expect(poller.output()).toMatch(/Redis answers again/);
    }
    expect(watching.output()).toMatch(/batch blip: completed/);
  });

  it('status --wait started while Redis is down waits for it until its --timeout', async () => {
    const redis = await restartableRedis();
    const env = { REDIS_URL: redis.url, CHATBATCH_PREFIX: 'blip-late' };
    await redis.stop();
    const started = Date.now();
    const late = await runCli(['status', 'nothing', '--wait', '--timeout', '3'], env);
    // Waited (retried) up to the deadline, then failed like a one-shot.
    expect(Date.now() - started).toBeGreaterThanOrEqual(2500);
    expect(late.code).toBe(1);
    expect(late.stderr).toMatch(/Redis is not answering/);
  });

  it('a schedule firing rides out a Redis restart instead of failing', async () => {
    const redis = await restartableRedis();
    const config = loadConfig({ REDIS_URL: redis.url, CHATBATCH_PREFIX: 'blip-schedule' });
    const logger = createLogger('silent');
    const admin = await openServices(config, 'cli');
    cleanups.push(() => admin.close());
    await admin.schedules.add({
      name: 'nightly',
      cron: '0 3 * * *',
      tz: 'UTC',
      csv: 'conversation_id,agent_id,input\nn1,ag,hello\nn2,ag,hi\n',
    });
    // A fail-fast connection shows every Redis error to the firing (a worker's own connection
    // hides most of them by queueing commands; failovers and READONLY replies still show).
    const services: Services = await openServices(config, 'cli');
    cleanups.push(() => services.close());
    const fire = createScheduleFiring({
      schedules: services.schedules,
      ingest: services.ingestDeps(),
      logger,
      retryMs: 60_000,
    });
    await redis.stop();
    const firing = fire({
      data: { schedule: 'nightly' },
      opts: {},
      timestamp: Date.UTC(2026, 0, 5, 3),
    });
    let settled = false;
    void firing.then(
      () => (settled = true),
      () => (settled = true),
    );
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(settled).toBe(false); // still trying, not failed
    await redis.start();
    const batchId = await firing;
    expect(batchId).toBe('nightly-20260105T030000Z');
    await waitFor(
      async () => (await services.batchStore.status(batchId!).catch(() => undefined)) !== undefined,
    );
    const status = await services.batchStore.status(batchId!);
    expect(status?.conversations.total).toBe(2);
  });
});
