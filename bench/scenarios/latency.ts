import { interleaved } from '../lib/interleave.js';
import { metric, type Scenario } from '../lib/scenario.js';
import { startSimulator } from '../lib/sim.js';
import { median } from '../lib/stats.js';
import { measureWorkerRun } from '../lib/worker-run.js';

const LATENCY_MS = 200;
const CONCURRENCY = 500;

/** 2. With a slow vendor, does the worker keep every slot busy? */
export const latency: Scenario = {
  id: 'latency',
  title: '2. Latency-bound: 200 ms, concurrency 500',
  async run(ctx) {
    const conversations = ctx.quick ? 5_000 : 20_000;
    const ideal = CONCURRENCY / (LATENCY_MS / 1000);
    const sim = await startSimulator({ latencyMs: LATENCY_MS });
    try {
      const runs = await interleaved(ctx.runs, async (impl, run) => {
        const r = await measureWorkerRun(ctx.redis, {
          impl,
          label: 'latency',
          sim,
          concurrency: CONCURRENCY,
          warmup: { tag: 'warm', conversations: ctx.quick ? 1_000 : 2_000, turns: 1 },
          workload: { tag: 'latency', conversations, turns: 1 },
          tmpDir: ctx.tmpDir,
          timeoutMs: 180_000,
        });
        ctx.log(
          `latency run ${run + 1} ${impl}: ${r.turnsPerSec.toFixed(0)} turns/s = ` +
            `${(r.turnsPerSec / ideal).toFixed(3)} of ideal (${r.seconds.toFixed(2)} s), ` +
            `worker CPU ${r.workerCpuUsPerTurn.toFixed(0)} µs/turn`,
        );
        return {
          turnsPerSec: r.turnsPerSec,
          seconds: r.seconds,
          workerCpuUsPerTurn: r.workerCpuUsPerTurn,
        };
      });
      const c = median(runs.chatbatch.map((r) => r.turnsPerSec));
      const b = median(runs.baseline.map((r) => r.turnsPerSec));
      return {
        metrics: [
          metric({ metric: 'throughput', unit: 'turns/s', chatbatch: c, baseline: b }),
          metric({
            metric: `efficiency vs ideal ${ideal}/s`,
            unit: 'fraction',
            chatbatch: c / ideal,
            baseline: b / ideal,
            target: '≥ 0.95',
            met: c / ideal >= 0.95,
          }),
          metric({
            metric: 'worker process CPU per turn',
            unit: 'µs',
            chatbatch: median(runs.chatbatch.map((r) => r.workerCpuUsPerTurn)),
            baseline: median(runs.baseline.map((r) => r.workerCpuUsPerTurn)),
          }),
        ],
        notes: [
          `${conversations} single-turn conversations, simulator latency ${LATENCY_MS} ms (no jitter), ` +
            `ideal = concurrency / latency = ${ideal} turns/s; ${ctx.runs} run(s) each, median.`,
        ],
        details: { conversations, concurrency: CONCURRENCY, latencyMs: LATENCY_MS, ideal, runs },
      };
    } finally {
      await sim.stop();
    }
  },
};
