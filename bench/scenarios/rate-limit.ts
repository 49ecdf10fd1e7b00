import { interleaved } from '../lib/interleave.js';
import { deletePrefix, openQueue, uniquePrefix } from '../lib/redis-ns.js';
import { metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulator, type SimProcess } from '../lib/sim.js';
import { busiestWindow } from '../lib/stats.js';
import { chatbatchIngest, startWorker, type Impl } from '../lib/workers.js';
import { enqueueBaseline, workloadCsv } from '../lib/workload.js';

const LIMIT = 200;
const WORKERS = 3;
const CONCURRENCY = 50;

async function rateRun(ctx: ScenarioContext, sim: SimProcess, impl: Impl, seconds: number) {
  const prefix = uniquePrefix(`rate-${impl}`);
  const queue = openQueue(ctx.redis, prefix);
  // More work than the window can take, so the limit (not the queue) ends every second.
  const workload = { tag: 'rate', conversations: Math.ceil(LIMIT * seconds * 1.5), turns: 1 };
  const workers = [];
  try {
    await queue.pause();
    if (impl === 'baseline') await enqueueBaseline(queue, workload);
    else await chatbatchIngest(await workloadCsv(ctx.tmpDir, workload), 'rate', { prefix });
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        await startWorker(impl, {
          prefix,
          simUrl: sim.url,
          concurrency: CONCURRENCY,
          rateLimit: LIMIT,
          name: `${impl} worker ${i + 1}`,
        }),
      );
    }
    await sim.reset();
    const startedAt = Date.now();
    await queue.resume();
    await new Promise((r) => setTimeout(r, seconds * 1000 + 200));
    const log = await sim.log();
    const times = log.receivedAt.filter((t) => t >= startedAt && t < startedAt + seconds * 1000);
    const busiest = busiestWindow(times, 1000);
    const perSecondBuckets = Array.from({ length: seconds }, () => 0);
    for (const t of times) perSecondBuckets[Math.floor((t - startedAt) / 1000)]!++;
    return {
      requests: times.length,
      perSecond: times.length / seconds,
      maxOneSecond: busiest.count,
      busiestStartsAtMs: busiest.start - startedAt,
      perSecondBuckets,
    };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    await deletePrefix(ctx.redis, prefix);
  }
}

/** 5. Three worker processes share one global rate limit. */
export const rateLimit: Scenario = {
  id: 'rate-limit',
  title: '5. Rate limit: 3 workers, limit 200/s',
  async run(ctx) {
    const seconds = ctx.quick ? 5 : 15;
    const sim = await startSimulator({ latencyMs: 0 });
    try {
      const runs = await interleaved(1, async (impl) => {
        const r = await rateRun(ctx, sim, impl, seconds);
        ctx.log(
          `rate-limit ${impl}: ${r.perSecond.toFixed(1)}/s, busiest second ${r.maxOneSecond} ` +
            `(from +${r.busiestStartsAtMs} ms), per second: ${r.perSecondBuckets.join(' ')}`,
        );
        return r;
      });
      const c = runs.chatbatch[0]!;
      const b = runs.baseline[0]!;
      return {
        metrics: [
          metric({
            metric: 'achieved rate ÷ limit',
            unit: 'fraction',
            chatbatch: c.perSecond / LIMIT,
            baseline: b.perSecond / LIMIT,
            ratio: null,
            target: '0.95 – 1.0',
            met: c.perSecond / LIMIT >= 0.95 && c.perSecond / LIMIT <= 1.0,
          }),
          metric({
            metric: 'busiest 1-second window ÷ limit',
            unit: 'fraction',
            chatbatch: c.maxOneSecond / LIMIT,
            baseline: b.maxOneSecond / LIMIT,
            ratio: null,
            target: '≤ 1.05',
            met: c.maxOneSecond / LIMIT <= 1.05,
          }),
        ],
        notes: [
          `${WORKERS} worker processes × concurrency ${CONCURRENCY}, CHATBATCH_RATE_LIMIT=${LIMIT} (baseline: ` +
            `BullMQ limiter {max: ${LIMIT}, duration: 1000} in each), simulator without latency, ${seconds} s ` +
            `from the queue's resume; requests counted by the simulator's receivedAt; busiest window = any ` +
            `[t, t + 1 s).`,
        ],
        details: { limit: LIMIT, seconds, workers: WORKERS, runs },
      };
    } finally {
      await sim.stop();
    }
  },
};
