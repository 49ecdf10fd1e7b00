import { afterEach, describe, expect, it } from 'vitest';
import { createPipeline, type Pipeline } from '../helpers/pipeline.js';

let pipeline: Pipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
  pipeline = undefined;
});

/**
 * A vendor that answers in 200 ms until `queueing` is set (at 7 s), then queues: each request waits
 * 15 ms more per request it already holds. The worker's in-flight limit (Gradient2) should come
 * down then; with CHATBATCH_ADAPTIVE=off it stays at CHATBATCH_CONCURRENCY.
 */
async function run(adaptive: 'on' | 'off') {
  const vendor = { queueing: false, holding: 0, maxHolding: 0 };
  pipeline = await createPipeline({
    label: `grad-${adaptive}`,
    worker: false,
    simulator: {
      script: () => {
        if (!vendor.queueing) return { latencyMs: 200 };
        const latencyMs = 200 + 15 * vendor.holding++;
        vendor.maxHolding = Math.max(vendor.maxHolding, vendor.holding);
        setTimeout(() => vendor.holding--, latencyMs);
        return { latencyMs };
      },
    },
  });
  const lines = ['agent_id,input', ...Array.from({ length: 4000 }, (_, i) => `agent-1,g ${i}`)];
  await pipeline.ingestCsv(`${lines.join('\n')}\n`, 'grad');
  const worker = await pipeline.startWorker({
    CHATBATCH_CONCURRENCY: '40',
    CHATBATCH_ADAPTIVE: adaptive,
  });
  const limits: number[] = [];
  const watch = setInterval(() => {
    void worker.metrics.pacerConcurrencyLimit.get().then((m) => limits.push(m.values[0]!.value));
  }, 200);
  // Long enough for the worker to learn the vendor's usual latency.
  await new Promise((r) => setTimeout(r, 7000));
  vendor.queueing = true;
  vendor.maxHolding = 0;
  await new Promise((r) => setTimeout(r, 8000));
  clearInterval(watch);
  return { limits, vendor };
}

describe('latency-aware concurrency', () => {
  it('lowers the in-flight limit when the vendor starts queueing', async () => {
    const { limits } = await run('on');
    const report = limits.join(' ');
    expect(Math.min(...limits), report).toBeLessThan(34);
    expect(Math.min(...limits), report).toBeGreaterThanOrEqual(4);
  }, 60_000);

  it('CHATBATCH_ADAPTIVE=off keeps CHATBATCH_CONCURRENCY', async () => {
    const { limits, vendor } = await run('off');
    expect(new Set(limits)).toEqual(new Set([40]));
    // The vendor saw the full concurrency queue up.
    expect(vendor.maxHolding).toBeGreaterThan(30);
  }, 60_000);
});
