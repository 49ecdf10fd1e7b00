import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/shared/config.js';
import type { TurnRecord } from '../../src/shared/records.js';
import { openServices, type Services } from '../../src/services.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';
import { checkChains } from '../helpers/chain-check.js';
import { conversationsCsv } from '../helpers/cli-batch.js';
import { runCli, spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { TEST_API_KEY } from '../helpers/pipeline.js';
import { uniquePrefix } from '../helpers/redis-namespace.js';
import { startSentinelSet, type TestSentinelSet } from '../helpers/redis-sentinel.js';

/**
 * Redis Sentinel, for real: a primary, a replica and three sentinels (redis-server processes on
 * loopback ports), two worker processes on REDIS_URL=redis+sentinel://…, and the primary
 * SIGKILLed mid-run. Replication is asynchronous, so the writes of the last moments before
 * the kill may be lost; the run must still complete with every chain intact, and the chats
 * that loss costs (a turn whose record is lost is sent once more) are counted.
 */
let dir: string | undefined;
let set: TestSentinelSet | undefined;
let simulator: Simulator | undefined;
let services: Services | undefined;
const processes: Spawned[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chatbatch-sentinel-test-'));
});
afterEach(async () => {
  for (const p of processes.splice(0)) {
    if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await p.exited;
  }
  await services?.close().catch(() => undefined);
  await simulator?.close();
  await set?.stop();
  services = undefined;
  simulator = undefined;
  set = undefined;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const CONVERSATIONS = 60;
const TURNS = 5;
const CONCURRENCY = 4;

/**
 * Ingests a batch through the sentinels, runs two workers, and once a fifth of the turns are
 * done kills the primary (after holding back replication for `lagMs`, when given, so the
 * writes of that time are surely lost). Checks the run completes with intact chains; returns the count
 * of chats created upstream beyond the recorded ones.
 */
async function runThroughFailover(label: string, lagMs: number): Promise<number> {
  set = await startSentinelSet();
  simulator = await createSimulator({ apiKey: TEST_API_KEY, latencyMs: 60, latencyJitterMs: 40 });
  const env = {
    REDIS_URL: set.url,
    CHATBATCH_PREFIX: uniquePrefix('sentinel'),
    SIGMAMIND_BASE_URL: simulator.url,
    SIGMAMIND_API_KEY: TEST_API_KEY,
    METRICS_PORT: '0',
    CHATBATCH_BACKOFF_MS: '50',
    // Long enough that no timeout under CI load re-sends a turn (which would blur the count),
    // short enough that a begin lost with the primary holds its turn only 10 s (the lease).
    CHATBATCH_REQUEST_TIMEOUT_MS: '4000',
    CHATBATCH_STALLED_INTERVAL_MS: '2000',
    CHATBATCH_WATCHDOG_INTERVAL_MS: '2000',
    CHATBATCH_CONCURRENCY: String(CONCURRENCY),
    LOG_LEVEL: 'info',
  };
  const file = join(dir!, `${label}.csv`);
  await writeFile(file, conversationsCsv(CONVERSATIONS, TURNS, 's'));
  const ingest = await runCli(['ingest', file, '--batch', label, '--json'], env);
  expect(ingest.code, ingest.stderr).toBe(0);
  expect(JSON.parse(ingest.stdout)).toMatchObject({ accepted: CONVERSATIONS });

  services = await openServices(loadConfig(env), 'cli');
  const progress = async () => {
    try {
      return await services!.batchStore.status(label);
    } catch {
      return undefined; // the primary is gone and not yet replaced: ask again
    }
  };
  processes.push(spawnCli(['worker'], env), spawnCli(['worker'], env));
  await waitFor(async () => ((await progress())?.turns.completed ?? 0) >= 60, {
    timeoutMs: 20_000,
    what: 'a fifth of the turns',
  });

  if (lagMs > 0) {
    set.holdReplication();
    await new Promise((resolve) => setTimeout(resolve, lagMs));
  }
  const killedAt = Date.now();
  set.killPrimary();
  await waitFor(async () => (await set!.currentPrimary()) === `127.0.0.1:${set!.replicaPort}`, {
    timeoutMs: 20_000,
    intervalMs: 200,
    what: 'the sentinels to promote the replica',
  });
  const failoverMs = Date.now() - killedAt;

  await waitFor(
    async () => {
      const status = await progress();
      return (
        status !== undefined && status.conversations.pending + status.conversations.active === 0
      );
    },
    { timeoutMs: 40_000, intervalMs: 250, what: 'the batch to finish after the failover' },
  );
  expect(await services.batchStore.status(label)).toMatchObject({
    state: 'completed',
    conversations: { total: CONVERSATIONS, completed: CONVERSATIONS, failed: 0 },
    turns: { total: CONVERSATIONS * TURNS, completed: CONVERSATIONS * TURNS, failed: 0 },
  });
  const results = await runCli(['results', label], env);
  expect(results.code, results.stderr).toBe(0);
  const records = results.stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as TurnRecord);
  expect(records).toHaveLength(CONVERSATIONS * TURNS);
  expect(records.every((r) => r.status === 'completed')).toBe(true);

  // The chain invariants, from the simulator's own log: every turn k+1 carried turn k's
  // recorded chatId, each recorded chat was created by a request for its own turn, and no
  // turn was sent again once its record had survived.
  const chain = checkChains(records, simulator.log);
  if (lagMs === 0) {
    expect(chain.violations).toEqual([]);
    expect(chain.resentAfterRecord).toBe(0);
  } else {
    // With writes lost, a turn's start can be lost too (a job fetched again as if new, on the
    // first-delivery fast path): its second request may race the first, and the first's chat be
    // the one recorded. That is one more chat for a lost write, as with a lost record; the
    // chains themselves must stay intact.
    expect(chain.violations.filter((v) => !/: sent again \(request \d+\) after/.test(v))).toEqual(
      [],
    );
  }

  // Chats created upstream beyond the recorded chains: no fault was injected, so each one is
  // a turn whose record was lost with the primary and that was sent again (or a later turn
  // sent from that lost record, orphaned upstream).
  const created = simulator.log.filter((entry) => entry.chatId).length;
  const duplicates = created - CONVERSATIONS * TURNS;
  console.info(
    `sentinel failover (${label}, replica lag ${lagMs} ms): promoted after ${failoverMs} ms; ` +
      `${duplicates} duplicate chats (${chain.duplicateChats} re-sent turns) of ${created}`,
  );
  for (const worker of processes) worker.child.kill('SIGTERM');
  expect(await Promise.all(processes.map((w) => w.exited))).toEqual([0, 0]);
  return duplicates;
}

describe('Redis Sentinel (primary, replica, 3 sentinels on loopback)', () => {
  it('a run outlives the SIGKILL of its primary: complete, chained, nothing re-sent', async () => {
    const duplicates = await runThroughFailover('sen-kill', 0);
    // Replication on loopback is sub-millisecond: at most the turns in flight at the kill.
    expect(duplicates).toBeGreaterThanOrEqual(0);
    expect(duplicates).toBeLessThanOrEqual(2 * CONCURRENCY);
  }, 60_000);

  it('with 400 ms of replication lost in the failover, each lost record costs one more chat', async () => {
    const duplicates = await runThroughFailover('sen-lag', 400);
    // ~8 turns in flight at a time for 400 ms of 60-100 ms calls: dozens of records lost, each
    // sent again. Bounded by the turns the workers could finish in the lost window.
    expect(duplicates).toBeGreaterThan(0);
    expect(duplicates).toBeLessThanOrEqual(
      2 * 2 * CONCURRENCY * Math.ceil(400 / 60) + 2 * CONCURRENCY,
    );
  }, 60_000);
});
