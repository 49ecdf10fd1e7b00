import { chainTiming, type ChainTiming } from '../lib/chain-timing.js';
import { interleaved } from '../lib/interleave.js';
import { metric, type Metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulator } from '../lib/sim.js';
import { median } from '../lib/stats.js';
import { measureWorkerRun } from '../lib/worker-run.js';
import type { Impl } from '../lib/workers.js';

const LATENCY_MS = 200;
const TURNS = 4;
/** CHATBATCH_CONCURRENCY's default: the issue names no concurrency for this scenario. */
const CONCURRENCY = 50;

interface Variant {
  name: string;
  /** Uniform extra latency per answer, [0, jitterMs) ms. */
  jitterMs: number;
  conversations: number;
  /** Whether the targets are judged on this variant. */
  judged: boolean;
}

interface ChainRun {
  turnsPerSec: number;
  seconds: number;
  gapsMs: ChainTiming['gapsMs'];
  conversationMs: ChainTiming['conversationMs'];
}

async function runVariant(ctx: ScenarioContext, v: Variant): Promise<Record<Impl, ChainRun[]>> {
  const sim = await startSimulator({
    latencyMs: LATENCY_MS,
    jitterMs: v.jitterMs,
    trackTimes: true,
  });
  try {
    // At concurrency 50 a full run takes ~35 s and yields 6,000 gaps: one run each.
    return await interleaved(1, async (impl) => {
      const r = await measureWorkerRun(ctx.redis, {
        impl,
        label: 'chains',
        sim,
        concurrency: CONCURRENCY,
        warmup: { tag: 'warm', conversations: 100, turns: TURNS },
        workload: { tag: 'chains', conversations: v.conversations, turns: TURNS },
        tmpDir: ctx.tmpDir,
        timeoutMs: 180_000,
      });
      const t = chainTiming(r.log, TURNS);
      if (t.complete !== v.conversations) {
        throw new Error(
          `${impl}: ${t.complete} complete chains of ${TURNS}, expected ${v.conversations}`,
        );
      }
      ctx.log(
        `chains ${v.name} ${impl}: gap p50 ${t.gapsMs.p50.toFixed(2)} ms, p99 ${t.gapsMs.p99.toFixed(1)} ms, ` +
          `conversation p50 ${t.conversationMs.p50.toFixed(0)} ms, ${r.turnsPerSec.toFixed(0)} turns/s`,
      );
      return {
        turnsPerSec: r.turnsPerSec,
        seconds: r.seconds,
        gapsMs: t.gapsMs,
        conversationMs: t.conversationMs,
      };
    });
  } finally {
    await sim.stop();
  }
}

function metricsOf(runs: Record<Impl, ChainRun[]>, v: Variant): Metric[] {
  const med = (impl: Impl, pick: (r: ChainRun) => number) => median(runs[impl].map(pick));
  const gap50 = med('chatbatch', (r) => r.gapsMs.p50);
  const gap99 = med('chatbatch', (r) => r.gapsMs.p99);
  const ideal = TURNS * (LATENCY_MS + v.jitterMs / 2);
  return [
    metric({
      metric: `${v.name}: reply → next request, median`,
      unit: 'ms',
      chatbatch: gap50,
      baseline: med('baseline', (r) => r.gapsMs.p50),
      target: v.judged ? '≤ 5 ms' : null,
      met: v.judged ? gap50 <= 5 : null,
    }),
    metric({
      metric: `${v.name}: reply → next request, p99`,
      unit: 'ms',
      chatbatch: gap99,
      baseline: med('baseline', (r) => r.gapsMs.p99),
      target: v.judged ? '≤ 50 ms' : null,
      met: v.judged ? gap99 <= 50 : null,
    }),
    metric({
      metric: `${v.name}: time per conversation, median ÷ 4 × mean latency (${ideal} ms)`,
      unit: 'ratio',
      chatbatch: med('chatbatch', (r) => r.conversationMs.p50) / ideal,
      baseline: med('baseline', (r) => r.conversationMs.p50) / ideal,
      ratio: null,
    }),
  ];
}

/** 3. Multi-turn: how fast does turn k+1 follow turn k's answer? */
export const chains: Scenario = {
  id: 'chains',
  title: '3. Multi-turn chains: 4 turns, 200 ms, concurrency 50',
  async run(ctx) {
    const variants: Variant[] = [
      {
        name: 'jitter 0-20 ms',
        jitterMs: 20,
        conversations: ctx.quick ? 250 : 2_000,
        judged: true,
      },
      { name: 'no jitter', jitterMs: 0, conversations: ctx.quick ? 125 : 500, judged: false },
    ];
    const runs: Record<string, Record<Impl, ChainRun[]>> = {};
    const metrics: Metric[] = [];
    for (const v of variants) {
      runs[v.name] = await runVariant(ctx, v);
      metrics.push(...metricsOf(runs[v.name]!, v));
    }
    return {
      metrics,
      notes: [
        `${variants[0]!.conversations} conversations × ${TURNS} turns at concurrency ${CONCURRENCY} (the default; ` +
          `the issue names none), latency ${LATENCY_MS} ms plus a uniform 0–20 ms jitter, one run each (6,000 ` +
          `gaps); targets judged there. Without jitter (${variants[1]!.conversations} conversations) all 50 ` +
          `conversations answer in the same millisecond, every wave, and the gap measures how long a worker ` +
          `takes to process a wave of 50 replies rather than one turn's chaining.`,
        `gap = when turn k+1's request reached the simulator minus when turn k's answer was handed to its ` +
          `socket, both taken in the simulator process with performance.now() (sub-ms); time per ` +
          `conversation = first request arrived → last answer sent.`,
      ],
      details: { turns: TURNS, latencyMs: LATENCY_MS, concurrency: CONCURRENCY, variants, runs },
    };
  },
};
