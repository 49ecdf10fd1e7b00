import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterOf, connectRedis, createRedis } from '../../src/shared/redis.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { checkChains } from '../helpers/chain-check.js';
import {
  completedTurnsOf,
  conversationsCsv,
  inInputOrder,
  ingestAndCollect,
  metricsPortOf,
} from '../helpers/cli-batch.js';
import { spawnCli, type Spawned } from '../helpers/cli.js';
import { TEST_API_KEY } from '../helpers/pipeline.js';
import { startRedisCluster, type TestCluster } from '../helpers/redis-cluster.js';
import { countKeys, deletePrefix, uniquePrefix } from '../helpers/redis-namespace.js';

/**
 * The whole pipeline against a real 3-master Redis Cluster (started here on free loopback ports
 * with scripts/redis-cluster.sh), through the built CLI with REDIS_URL=redis+cluster://…
 */
let cluster: TestCluster | undefined;
let client: Cluster | undefined;
let dir: string | undefined;
const prefixes: string[] = [];
const processes: Spawned[] = [];
const simulators: Simulator[] = [];

beforeAll(async () => {
  cluster = await startRedisCluster();
  dir = await mkdtemp(join(tmpdir(), 'chatbatch-cluster-test-'));
  const redis = createRedis(cluster.url, 'producer');
  redis.on('error', () => undefined);
  await connectRedis(redis, cluster.url);
  client = clusterOf(redis);
  if (!client) throw new Error('createRedis did not return a Cluster client');
}, 45_000);

afterAll(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  await Promise.allSettled(simulators.map((s) => s.close()));
  if (cluster) await Promise.allSettled(prefixes.map((p) => deletePrefix(p, cluster!.url)));
  client?.disconnect();
  await cluster?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The master (host:port) that serves `key`'s slot. */
async function masterOf(key: string): Promise<string> {
  const slot = Number(await client!.cluster('KEYSLOT', key));
  return client!.slots[slot]![0]!;
}

describe('Redis Cluster (3 masters on loopback)', () => {
  it('ingest, two workers, status and results through the cluster: in order, chained, no turn re-sent', async () => {
    const prefix = uniquePrefix('cluster');
    prefixes.push(prefix);
    // One 503 and one 429 (a queue-wide pause through BullMQ's rate-limit key) on the way.
    const seen = new Set<string>();
    const simulator = await createSimulator({
      apiKey: TEST_API_KEY,
      latencyMs: 5,
      latencyJitterMs: 10,
      script: (request) => {
        const first = !seen.has(request.input);
        seen.add(request.input);
        if (first && request.input === 'k7 turn 2') return { httpStatus: 503 };
        if (first && request.input === 'k11 turn 3') return { fault: '429' };
        return undefined;
      },
    });
    simulators.push(simulator);
    const env = {
      REDIS_URL: cluster!.url,
      CHATBATCH_PREFIX: prefix,
      SIGMAMIND_BASE_URL: simulator.url,
      SIGMAMIND_API_KEY: TEST_API_KEY,
      METRICS_PORT: '0',
      CHATBATCH_BACKOFF_MS: '20',
      CHATBATCH_REQUEST_TIMEOUT_MS: '5000', // generous: a timeout under CI load would re-send
      CHATBATCH_STALLED_INTERVAL_MS: '2000',
      CHATBATCH_CONCURRENCY: '8',
      LOG_LEVEL: 'info',
    };
    const workers: Spawned[] = [];
    const run = await ingestAndCollect({
      env,
      dir: dir!,
      batchId: 'cl1',
      csv: conversationsCsv(40, 3, 'k'),
      afterIngest: () => {
        workers.push(spawnCli(['worker'], env), spawnCli(['worker'], env));
        processes.push(...workers);
      },
    });

    expect(run.ingest.report).toMatchObject({ conversations: 40, turns: 120, accepted: 40 });
    expect(run.status.code).toBe(0);
    expect(run.status.value).toMatchObject({
      state: 'completed',
      conversations: { total: 40, completed: 40, pending: 0, active: 0, failed: 0 },
      turns: { total: 120, completed: 120, pending: 0, failed: 0 },
    });
    expect(run.results).toHaveLength(120);
    expect(inInputOrder(run.results)).toBe(true);
    expect(run.results.every((r) => r.status === 'completed')).toBe(true);
    const chain = checkChains(run.results, simulator.log);
    expect(chain.violations).toEqual([]);
    expect(chain.resentAfterRecord).toBe(0);
    expect(chain.duplicateChats).toBe(0);
    // 120 turns plus the two scripted refusals, nothing else.
    expect(simulator.log).toHaveLength(122);
    expect(run.results.find((r) => r.input === 'k7 turn 2')?.attempts).toBe(2);

    // Both worker processes took part, and together recorded every turn.
    const perWorker = await Promise.all(
      workers.map(async (w) => completedTurnsOf('127.0.0.1', await metricsPortOf(w))),
    );
    expect(perWorker.every((n) => n > 0)).toBe(true);
    expect(perWorker.reduce((a, b) => a + b, 0)).toBe(120);

    // Every key of the prefix, BullMQ's included, sits on the master of the {prefix} slot.
    const home = await masterOf(`{${prefix}}`);
    let onHome = 0;
    for (const node of client!.nodes('master')) {
      const keys = await node.keys(`{${prefix}}*`);
      if (`${node.options.host}:${node.options.port}` === home) onHome = keys.length;
      else expect(keys).toEqual([]);
    }
    expect(onHome).toBeGreaterThan(0);
    expect(await countKeys(prefix, cluster!.url)).toBe(onHome);

    for (const w of workers) w.child.kill('SIGTERM');
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0]);
  });

  it('countKeys and deletePrefix find a prefix on whichever master holds it', async () => {
    // Prefixes until each of the three masters holds one.
    const byMaster = new Map<string, string>();
    while (byMaster.size < 3) {
      const prefix = uniquePrefix('slot');
      const master = await masterOf(`{${prefix}}`);
      if (!byMaster.has(master)) byMaster.set(master, prefix);
    }
    for (const prefix of byMaster.values()) {
      prefixes.push(prefix);
      await client!.mset(`{${prefix}}:one`, '1', `{${prefix}}:two`, '2');
    }
    for (const prefix of byMaster.values()) {
      expect(await countKeys(prefix, cluster!.url)).toBe(2);
      expect(await deletePrefix(prefix, cluster!.url)).toBe(2);
      expect(await countKeys(prefix, cluster!.url)).toBe(0);
    }
  });
});
