import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '../../src/cli/throwaway-redis.js';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';
import { spawnCli, waitFor, type Spawned } from '../helpers/cli.js';
import { completedTurnsOf } from '../helpers/cli-batch.js';
import { stopProcessesThenPipeline } from '../helpers/spawned-teardown.js';

/**
 * A second worker on a host with the same METRICS_PORT used to print EADDRINUSE and go on
 * processing turns, half-started (no /metrics, no schedule runner, no graceful stop). It must
 * exit 1 naming METRICS_PORT before it takes any job.
 */
let pipeline: Pipeline | undefined;
const processes: Spawned[] = [];
afterEach(async () => {
  await stopProcessesThenPipeline(processes, pipeline);
  pipeline = undefined;
});

describe('two workers with the same METRICS_PORT', () => {
  it('the second exits 1 naming METRICS_PORT and never takes a job', async () => {
    pipeline = await createPipeline({
      label: 'metrics-port',
      worker: false,
      simulator: { latencyMs: 30 },
    });
    const port = await freePort();
    const env = {
      ...pipeline.env,
      METRICS_PORT: String(port),
      CHATBATCH_CONCURRENCY: '5',
      LOG_LEVEL: 'info',
    };
    const first = spawnCli(['worker'], env);
    processes.push(first);
    await waitFor(() => first.output().includes('"msg":"worker started"'), {
      timeoutMs: 20_000,
      what: 'the first worker',
    });
    // Work is waiting when the second starts: a half-started worker would take some of it.
    const lines = ['conversation_id,agent_id,input'];
    for (let c = 1; c <= 40; c++) for (let t = 1; t <= 2; t++) lines.push(`m${c},ag,m${c} t${t}`);
    await pipeline.ingestCsv(`${lines.join('\n')}\n`, 'mp');

    const second = spawnCli(['worker'], env);
    processes.push(second);
    expect(await second.exited).toBe(1);
    expect(second.output()).toContain(
      `METRICS_PORT ${port} is in use (another worker on this host?): give each worker its own METRICS_PORT, or 0 for any free port`,
    );
    expect(second.output()).not.toContain('"msg":"worker started"');

    const status = await pipeline.waitSettled('mp', 60_000);
    expect(status.turns.completed).toBe(80);
    // Every turn went through the first worker: its own counter says so, and the vendor saw
    // exactly one request per turn.
    expect(await completedTurnsOf('127.0.0.1', port)).toBe(80);
    expect(pipeline.simulator.log).toHaveLength(80);
  });
});
