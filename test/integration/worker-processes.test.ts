import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { checkChains } from '../helpers/chain-check.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { maxPerSecond } from '../helpers/rate-window.js';
import { stopProcessesThenPipeline } from '../helpers/spawned-teardown.js';

function csv(conversations: number, turns: number, tag: string): string {
  const lines = ['conversation_id,agent_id,input'];
  for (let c = 1; c <= conversations; c++) {
    for (let t = 1; t <= turns; t++) lines.push(`${tag}${c},agent-1,${tag}${c} turn ${t}`);
  }
  return `${lines.join('\n')}\n`;
}

let pipeline: Pipeline | undefined;
const processes: Spawned[] = [];
afterEach(async () => {
  await stopProcessesThenPipeline(processes, pipeline);
  pipeline = undefined;
});

describe('worker processes', () => {
  it('two worker processes share one global rate limit', async () => {
    pipeline = await createPipeline({ label: 'rate', worker: false });
    await pipeline.ingestCsv(csv(80, 1, 'r'), 'rl');
    const env = { ...pipeline.env, CHATBATCH_RATE_LIMIT: '20', CHATBATCH_CONCURRENCY: '10' };
    processes.push(spawnCli(['worker'], env), spawnCli(['worker'], env));
    const status = await pipeline.waitSettled('rl', 30_000);
    expect(status.conversations.completed).toBe(80);
    const times = pipeline.simulator.log.map((e) => e.receivedAt);
    const span = (Math.max(...times) - Math.min(...times)) / 1000;
    // 80 starts at 20/s need at least ~3 s, whichever process made them.
    expect(span).toBeGreaterThan(3);
    expect(maxPerSecond(times)).toBeLessThanOrEqual(22);
  });

  it('a worker killed with SIGKILL mid-run: a new worker finishes everything, no recorded turn is sent again', async () => {
    pipeline = await createPipeline({
      label: 'kill',
      worker: false,
      simulator: { latencyMs: 40, latencyJitterMs: 40 },
    });
    await pipeline.ingestCsv(csv(60, 3, 'k'), 'kb');
    const env = { ...pipeline.env, CHATBATCH_CONCURRENCY: '20' };
    const first = spawnCli(['worker'], env);
    processes.push(first);
    await waitFor(
      async () => ((await pipeline!.producer.batchStore.status('kb'))?.turns.completed ?? 0) >= 60,
      {
        timeoutMs: 20_000,
        what: 'a third of the turns',
      },
    );
    first.child.kill('SIGKILL');
    await first.exited;
    const before = (await pipeline.producer.batchStore.status('kb'))!;
    expect(before.turns.completed).toBeLessThan(180);

    processes.push(spawnCli(['worker'], env));
    const status = await pipeline.waitSettled('kb', 40_000);
    expect(status.conversations).toMatchObject({ total: 60, completed: 60, active: 0, pending: 0 });
    const results = await pipeline.results('kb');
    const chain = checkChains(results, pipeline.simulator.log);
    expect(chain.violations).toEqual([]);
    expect(chain.resentAfterRecord).toBe(0);
    // Only requests in flight at the kill can have created a second chat.
    expect(chain.duplicateChats).toBeLessThanOrEqual(20);
  });

  it('SIGTERM lets in-flight turns finish and exits 0', async () => {
    pipeline = await createPipeline({
      label: 'term',
      worker: false,
      simulator: { latencyMs: 300 },
    });
    await pipeline.ingestCsv(csv(10, 1, 't'), 'tb');
    const worker = spawnCli(['worker'], { ...pipeline.env, CHATBATCH_CONCURRENCY: '5' });
    processes.push(worker);
    await waitFor(() => pipeline!.simulator.log.length >= 5, { what: 'requests in flight' });
    worker.child.kill('SIGTERM');
    expect(await worker.exited).toBe(0);
    const status = (await pipeline.producer.batchStore.status('tb'))!;
    // The five in flight were recorded, not abandoned.
    expect(status.turns.completed).toBe(pipeline.simulator.log.length);
    expect(status.conversations.active).toBe(0);
  });
});
