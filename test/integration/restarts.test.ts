import { createServer, connect, type Server, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { stopProcesses } from '../helpers/spawned-teardown.js';
import { openProducer, type ProducerContext } from '../../src/cli/context.js';
import {
  freePort,
  startThrowawayRedis,
  type ThrowawayRedis,
} from '../../src/cli/throwaway-redis.js';
import { readCsvRows } from '../../src/producer/csv/index.js';
import { ingestRows } from '../../src/producer/ingest.js';
import { loadConfig } from '../../src/shared/config.js';
import type { TurnRecord } from '../../src/shared/records.js';
import { createPipeline, TEST_API_KEY, type Pipeline } from '../helpers/pipeline.js';
import { checkChains } from '../helpers/chain-check.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { createSimulator, type Simulator } from '../../src/simulator/index.js';

function csv(conversations: number, turns: number, tag: string): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let t = 1; t <= turns; t++) {
    for (let c = 1; c <= conversations; c++) lines.push(`${tag}${c},agent-1,${tag}${c} turn ${t}`);
  }
  return `${lines.join('\n')}\n`;
}

const processes: Spawned[] = [];
const cleanups: (() => Promise<unknown>)[] = [];
let pipeline: Pipeline | undefined;

afterEach(async () => {
  await stopProcesses(processes);
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await pipeline?.close();
  pipeline = undefined;
});

/**
 * A TCP hop between a worker and Redis that, the first time it sees a command containing
 * `marker`, passes that command on and then cuts the connection (RST) before the reply
 * reaches the worker: what a Redis crash right after running a command looks like.
 */
async function startReplyDropper(
  redisPort: number,
  marker: string,
): Promise<{ port: number; tripped: () => boolean; close: () => Promise<void> }> {
  let tripped = false;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(redisPort, '127.0.0.1');
    sockets.add(client).add(upstream);
    let holding = false;
    client.on('data', (data) => {
      upstream.write(data);
      if (!tripped && data.includes(marker)) {
        tripped = true;
        holding = true;
        // Give Redis time to run it, then drop the connection with the reply unread.
        setTimeout(() => {
          client.resetAndDestroy();
          upstream.destroy();
        }, 150);
      }
    });
    upstream.on('data', (data) => {
      if (!holding) client.write(data);
    });
    const close = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', close).on('close', close);
    upstream.on('error', close).on('close', close);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : 0,
    tripped: () => tripped,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A producer, simulator and env for a test that runs its own Redis. */
async function ownStack(redisUrl: string, label: string) {
  const simulator: Simulator = await createSimulator({ apiKey: TEST_API_KEY, latencyMs: 5 });
  cleanups.push(() => simulator.close());
  const env: Record<string, string> = {
    REDIS_URL: redisUrl,
    CHATBATCH_PREFIX: `restarts-${label}`,
    SIGMAMIND_BASE_URL: simulator.url,
    SIGMAMIND_API_KEY: TEST_API_KEY,
    METRICS_PORT: '0',
    CHATBATCH_BACKOFF_MS: '20',
    CHATBATCH_REQUEST_TIMEOUT_MS: '2000',
    CHATBATCH_STALLED_INTERVAL_MS: '2000',
    // The watchdog would eventually requeue a stranded conversation; these tests want the
    // normal path to carry on by itself.
    CHATBATCH_WATCHDOG_INTERVAL_MS: '600000',
  };
  return { simulator, env };
}

async function producerFor(env: Record<string, string>): Promise<ProducerContext> {
  const producer = await openProducer(loadConfig(env));
  cleanups.push(() => producer.close());
  return producer;
}

async function waitSettled(producer: ProducerContext, batchId: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await producer.batchStore.status(batchId).catch(() => undefined);
    if (status && status.conversations.pending + status.conversations.active === 0) return status;
    if (Date.now() > deadline)
      throw new Error(`batch ${batchId} did not settle: ${JSON.stringify(status?.turns)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('graceful shutdown and restarts', () => {
  it('SIGTERM during a busy run loses nothing: a new worker finishes every conversation, no turn twice', async () => {
    pipeline = await createPipeline({
      label: 'sigterm-busy',
      worker: false,
      simulator: { latencyMs: 60, latencyJitterMs: 120 },
    });
    await pipeline.ingestCsv(csv(60, 3, 'g'), 'busy');
    const env = { ...pipeline.env, CHATBATCH_CONCURRENCY: '25' };
    const first = spawnCli(['worker'], env);
    processes.push(first);
    await waitFor(
      async () =>
        ((await pipeline!.producer.batchStore.status('busy'))?.turns.completed ?? 0) >= 50,
      { timeoutMs: 20_000, what: 'a third of the turns' },
    );
    first.child.kill('SIGTERM');
    expect(await first.exited).toBe(0);
    const between = (await pipeline.producer.batchStore.status('busy'))!;
    expect(between.turns.completed).toBeLessThan(180);
    // Every request the stopped worker made was answered and recorded before it exited.
    expect(pipeline.simulator.log.length).toBe(between.turns.completed);

    processes.push(spawnCli(['worker'], env));
    const status = await pipeline.waitSettled('busy', 40_000);
    expect(status.conversations).toMatchObject({ total: 60, completed: 60, active: 0 });
    expect(status.turns).toMatchObject({ total: 180, completed: 180 });
    const chain = checkChains(await pipeline.results('busy'), pipeline.simulator.log);
    expect(chain.violations).toEqual([]);
    // No faults and a clean stop: exactly one request per turn, nothing duplicated.
    expect(pipeline.simulator.log.length).toBe(180);
    expect(chain.duplicateChats).toBe(0);
  });

  it('a worker started while Redis is down waits, connects when it comes up, then works', async () => {
    const port = await freePort();
    const { env } = await ownStack(`redis://127.0.0.1:${port}`, 'late');
    const worker = spawnCli(['worker'], env);
    processes.push(worker);
    // Well past any connect timeout: the worker must still be running, not have given up.
    await new Promise((resolve) => setTimeout(resolve, 3000));
    expect(worker.child.exitCode).toBeNull();

    const redis: ThrowawayRedis = await startThrowawayRedis({ port });
    cleanups.push(() => redis.stop());
    const producer = await producerFor(env);
    await ingestText(producer, csv(10, 2, 'late'), 'late');
    const status = await waitSettled(producer, 'late', 30_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${worker.output().slice(-3000)}`);
    });
    expect(status.conversations.completed).toBe(10);
    expect(status.turns.completed).toBe(20);
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
  });

  it('the API answers /readyz 503 at once while Redis is down, and 200 once it is up', async () => {
    const port = await freePort();
    const apiPort = await freePort();
    const api = spawnCli(['api', '--port', String(apiPort), '--host', '127.0.0.1'], {
      REDIS_URL: `redis://127.0.0.1:${port}`,
      CHATBATCH_PREFIX: 'restarts-api',
      CHATBATCH_API_TOKENS: 'token-restarts-test',
    });
    processes.push(api);
    const readyz = async () => {
      const started = Date.now();
      const res = await fetch(`http://127.0.0.1:${apiPort}/readyz`).catch(() => undefined);
      return { status: res?.status, ms: Date.now() - started };
    };
    await waitFor(async () => (await readyz()).status !== undefined, {
      timeoutMs: 15_000,
      what: 'the API to listen',
    });
    for (let i = 0; i < 3; i++) {
      const answer = await readyz();
      expect(answer.status).toBe(503);
      expect(answer.ms).toBeLessThan(1500);
    }
    const redis = await startThrowawayRedis({ port });
    cleanups.push(() => redis.stop());
    await waitFor(async () => (await readyz()).status === 200, {
      timeoutMs: 15_000,
      what: '/readyz to answer 200 once Redis is up',
    });
    // Ready means ready: a submission goes through now, though the API started without Redis.
    const submit = await fetch(`http://127.0.0.1:${apiPort}/v1/batches`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer token-restarts-test',
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        batchId: 'late-api',
        agentId: 'agent-1',
        conversations: [{ turns: ['hello', 'again'] }],
      }),
    });
    expect(await submit.text()).toContain('"accepted":1');
    expect(submit.status).toBeLessThan(300);
    await redis.stop();
    await waitFor(async () => (await readyz()).status === 503, {
      timeoutMs: 5000,
      what: '/readyz to answer 503 again after Redis stopped',
    });
  });

  it('a Redis reply lost after the turn was recorded (connection reset) does not strand the conversation', async () => {
    const redis = await startThrowawayRedis();
    cleanups.push(() => redis.stop());
    // The turn store's record call is the only command whose arguments hold a stored result.
    const dropper = await startReplyDropper(redis.port, '"rs":[{');
    cleanups.push(() => dropper.close());
    const { env, simulator } = await ownStack(`redis://127.0.0.1:${dropper.port}`, 'lost-reply');
    const producer = await producerFor({ ...env, REDIS_URL: redis.url });
    await ingestText(producer, csv(1, 3, 'lr'), 'lost');
    const worker = spawnCli(['worker'], env);
    processes.push(worker);
    await waitFor(() => dropper.tripped(), { timeoutMs: 15_000, what: 'a record call' });
    // ioredis sends the unanswered record again on the new connection; the store finds the
    // turn recorded already. The conversation must still go on to its next turn.
    const status = await waitSettled(producer, 'lost', 20_000).catch((error: Error) => {
      throw new Error(`${error.message}\nworker output:\n${worker.output().slice(-2000)}`);
    });
    expect(status.conversations.completed).toBe(1);
    expect(status.turns.completed).toBe(3);
    const records: TurnRecord[] = [];
    for await (const r of producer.batchStore.results('lost')) records.push(r);
    expect(checkChains(records, simulator.log).violations).toEqual([]);
  });
});

function ingestText(producer: ProducerContext, text: string, batchId: string) {
  return ingestRows(
    producer.ingestDeps(),
    readCsvRows(Readable.from([text]), { source: 'restarts.csv' }),
    { batchId },
  );
}
