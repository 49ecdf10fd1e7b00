import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { startThrowawayRedis } from '../../src/cli/throwaway-redis.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { checkChains } from '../helpers/chain-check.js';
import {
  completedTurnsOf,
  conversationsCsv,
  inInputOrder,
  ingestAndCollect,
  metricsPortOf,
} from '../helpers/cli-batch.js';
import { CLI, type Spawned } from '../helpers/cli.js';
import { createVirtualLan, namespacesAvailable, type VirtualLan } from '../helpers/netns.js';
import { TEST_API_KEY } from '../helpers/pipeline.js';
import { maxPerSecond } from '../helpers/rate-window.js';

/**
 * "Nothing assumes one host": two workers, each in its own network namespace (its own network
 * stack, reaching the others only over a virtual LAN made here), share one Redis and one
 * simulator that listen on this namespace's bridge address. Each worker also runs in its own
 * working and temp directory. If namespaces cannot be made here (no root / CAP_NET_ADMIN / `ip`),
 * the same test runs the workers as separate processes on loopback and says so in its name.
 */
const NAMESPACES = namespacesAvailable();
const MODE = NAMESPACES.ok
  ? 'two workers in two network namespaces over a virtual LAN'
  : `FALLBACK, network namespaces unavailable (${NAMESPACES.reason}): two worker processes on loopback`;
if (!NAMESPACES.ok) console.warn(`netns.test.ts: ${MODE}`);

const RATE_LIMIT = 25;

let lan: VirtualLan | undefined;
let redisServer: ChildProcess | undefined;
let simulator: Simulator | undefined;
const dirs: string[] = [];
const workers: Spawned[] = [];

afterAll(async () => {
  for (const w of workers.splice(0)) {
    if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await w.exited;
  }
  await simulator?.close();
  if (redisServer && redisServer.exitCode === null) {
    const exited = new Promise((resolve) => redisServer!.once('exit', resolve));
    redisServer.kill('SIGKILL');
    await exited;
  }
  await lan?.destroy();
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * A throwaway redis-server that listens on loopback and on `hub` (nothing kept on disk). Other
 * hosts need a password (protected mode refuses them otherwise), as in a real deployment.
 */
async function startRedis(hub: string | undefined): Promise<{ url: string; probe: Redis }> {
  const server = await startThrowawayRedis({
    alsoBind: hub,
    password: randomBytes(12).toString('hex'),
  });
  redisServer = server.process;
  const probe = new Redis(server.url, { maxRetriesPerRequest: 1 });
  probe.on('error', () => undefined);
  await probe.ping();
  return { url: server.url, probe };
}

/** `chatbatch worker` inside `namespace` (or as a plain process), in its own directories. */
function spawnWorker(namespace: string | undefined, env: Record<string, string>, dir: string) {
  const command = [process.execPath, CLI, 'worker'];
  const child = namespace
    ? spawn('ip', ['netns', 'exec', namespace, ...command], {
        cwd: dir,
        env: { ...process.env, ...env, TMPDIR: dir, HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      })
    : spawn(command[0]!, command.slice(1), {
        cwd: dir,
        env: { ...process.env, ...env, TMPDIR: dir, HOME: dir },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const worker: Spawned = { child, output: () => out, exited };
  workers.push(worker);
  return worker;
}

describe(`several hosts (${MODE})`, () => {
  it('share one Redis, one global rate limit and one batch: in order, chained, nothing re-sent', async () => {
    if (NAMESPACES.ok) lan = await createVirtualLan(2);
    const hub = lan?.hub;
    const { url, probe } = await startRedis(hub);
    simulator = await createSimulator({
      apiKey: TEST_API_KEY,
      host: hub ?? '127.0.0.1',
      latencyMs: 5,
      latencyJitterMs: 10,
    });
    const env = {
      REDIS_URL: url,
      CHATBATCH_PREFIX: 'hosts',
      SIGMAMIND_BASE_URL: simulator.url,
      SIGMAMIND_API_KEY: TEST_API_KEY,
      METRICS_PORT: '0',
      CHATBATCH_BACKOFF_MS: '20',
      CHATBATCH_REQUEST_TIMEOUT_MS: '5000', // generous: a timeout under CI load would re-send
      CHATBATCH_STALLED_INTERVAL_MS: '2000',
      CHATBATCH_CONCURRENCY: '10',
      CHATBATCH_RATE_LIMIT: String(RATE_LIMIT),
      LOG_LEVEL: 'info',
    };
    const dir = await mkdtemp(join(tmpdir(), 'chatbatch-hosts-'));
    dirs.push(dir);
    const hostDirs = await Promise.all(
      [1, 2].map(() => mkdtemp(join(tmpdir(), 'chatbatch-host-'))),
    );
    dirs.push(...hostDirs);

    const run = await ingestAndCollect({
      env,
      dir,
      batchId: 'hosts1',
      csv: conversationsCsv(50, 2, 'h'),
      afterIngest: () => {
        hostDirs.forEach((hostDir, i) => spawnWorker(lan?.hosts[i]!.namespace, env, hostDir));
      },
    });

    expect(run.ingest.report).toMatchObject({ conversations: 50, turns: 100, accepted: 50 });
    expect(run.status.code).toBe(0);
    expect(run.status.value).toMatchObject({
      state: 'completed',
      conversations: { total: 50, completed: 50, pending: 0, active: 0 },
      turns: { total: 100, completed: 100, pending: 0, failed: 0 },
    });
    expect(run.results).toHaveLength(100);
    expect(inInputOrder(run.results)).toBe(true);
    const chain = checkChains(run.results, simulator.log);
    expect(chain.violations).toEqual([]);
    expect(chain.resentAfterRecord).toBe(0);
    expect(simulator.log).toHaveLength(100);

    // One rate limit across hosts: 100 starts at 25/s take about 4 s, whoever made them.
    const times = simulator.log.map((e) => e.receivedAt);
    expect((Math.max(...times) - Math.min(...times)) / 1000).toBeGreaterThan(3);
    expect(maxPerSecond(times)).toBeLessThanOrEqual(RATE_LIMIT + 2);

    // Both workers did part of the work, reached over the LAN at their own addresses.
    const addresses = lan ? lan.hosts.map((h) => h.address) : ['127.0.0.1', '127.0.0.1'];
    const [first, second] = workers;
    const perWorker = [
      await completedTurnsOf(addresses[0]!, await metricsPortOf(first!)),
      await completedTurnsOf(addresses[1]!, await metricsPortOf(second!)),
    ];
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker[0]! + perWorker[1]!).toBe(100);
    if (lan) {
      // Redis saw the workers come from the namespaces' addresses, not from loopback.
      const clients = String(await probe.client('LIST'));
      for (const host of lan.hosts) expect(clients).toContain(`addr=${host.address}:`);
    }
    probe.disconnect();

    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
    // No local state: each worker's working, home and temp directory is still empty.
    for (const hostDir of hostDirs) expect(await readdir(hostDir)).toEqual([]);
  });
});
