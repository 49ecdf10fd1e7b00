import {
  cpuMetrics,
  cpuThroughputMetric,
  formatCalls,
  formatExtraCalls,
  medianCost,
} from '../lib/cost.js';
import { alternating } from '../lib/interleave.js';
import {
  fairSharePhase,
  LANES_LIMIT,
  lowLanePhase,
  weightsPhase,
  type BatchTiming,
} from '../lib/lane-phases.js';
import { metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulator } from '../lib/sim.js';
import { median } from '../lib/stats.js';
import { measureWorkerRun } from '../lib/worker-run.js';

const LATENCY_MS = 50;
const CAMPAIGN = 20_000;
/** Issue 13's done-when figures. */
const NORMAL_WITHIN_S = 12;
const HIGH_WITHIN_S = 6;
const WEIGHT_SHARE = 0.75;
const WEIGHT_TOLERANCE = 0.05;
const NO_REGRESSION = 0.97;
const SWITCH = ['lanes-on', 'lanes-off'] as const;

/** "No regression": scenario 1's overhead run, one batch, fair lanes on vs off (same run). */
async function onVsOff(ctx: ScenarioContext) {
  const conversations = ctx.quick ? 5_000 : 20_000;
  const sim = await startSimulator({ latencyMs: 0 });
  try {
    const runs = await alternating(ctx.runs, SWITCH, async (variant, run) => {
      const r = await measureWorkerRun(ctx.redis, {
        impl: 'chatbatch',
        name: variant,
        label: 'lanes',
        sim,
        concurrency: 50,
        warmup: { tag: 'warm', conversations: ctx.quick ? 1_000 : 2_000, turns: 1 },
        workload: { tag: 'overhead', conversations, turns: 1 },
        tmpDir: ctx.tmpDir,
        timeoutMs: 120_000,
        redisPid: ctx.redisPid,
        env: { CHATBATCH_FAIR_LANES: variant === 'lanes-on' ? 'on' : 'off' },
      });
      ctx.log(
        `lanes run ${run + 1} ${variant}: ${r.turnsPerSec.toFixed(0)} turns/s, CPU per turn: worker ` +
          `${r.cost.workerCpuUs.toFixed(0)} µs + Redis ${r.cost.redisCpuUs.toFixed(0)} µs`,
      );
      return { turnsPerSec: r.turnsPerSec, seconds: r.seconds, cost: r.cost };
    });
    return { conversations, runs };
  } finally {
    await sim.stop();
  }
}

/**
 * Issue 13's done-when numbers: fair share and priority during a long campaign, weights, the low
 * lane's progress, and the lanes' cost in the overhead setting.
 */
export const lanes: Scenario = {
  id: 'lanes',
  title: 'Fair lanes: batches sharing a 200/s limit (2 workers, 50 ms latency)',
  async run(ctx) {
    const weightSeconds = ctx.quick ? 20 : 60;
    const lowSeconds = ctx.quick ? 10 : 20;
    const sim = await startSimulator({ latencyMs: LATENCY_MS });
    let fair, weights, low;
    try {
      fair = await fairSharePhase(ctx, sim, { campaign: CAMPAIGN, delayMs: 15_000 });
      ctx.log(
        `lanes fair share: campaign ${fair.campaignRatePerSec.toFixed(0)}/s alone; normal 400 finished ` +
          `${fair.normal.finishedAfterIngestS.toFixed(2)} s after its ingest began, high 300 ` +
          `${fair.high.finishedAfterIngestS.toFixed(2)} s`,
      );
      weights = await weightsPhase(ctx, sim, { seconds: weightSeconds });
      ctx.log(
        `lanes weights 3:1: ${weights.heavy} vs ${weights.light} requests in ${weightSeconds} s = ` +
          `${(weights.heavyShare * 100).toFixed(1)}% (${weights.ratePerSec.toFixed(0)}/s)`,
      );
      low = await lowLanePhase(ctx, sim, {
        campaign: CAMPAIGN,
        leadMs: 5_000,
        seconds: lowSeconds,
        low: 1_000,
      });
      ctx.log(
        `lanes low: ${low.low} low vs ${low.campaign} campaign requests in ${lowSeconds} s = ` +
          `${(low.lowShare * 100).toFixed(1)}%`,
      );
    } finally {
      await sim.stop();
    }
    const regression = await onVsOff(ctx);
    const on = median(regression.runs['lanes-on'].map((r) => r.turnsPerSec));
    const off = median(regression.runs['lanes-off'].map((r) => r.turnsPerSec));
    const onCost = medianCost(regression.runs['lanes-on'].map((r) => r.cost));
    const offCost = medianCost(regression.runs['lanes-off'].map((r) => r.cost));
    const share = weights.heavyShare;
    const value = (m: string, unit: string, v: number, target: string, met: boolean | null) =>
      metric({ metric: m, unit, chatbatch: v, baseline: null, target, met });
    // A batch of the fair-share phase against its done-when bound, from ingest to finished.
    const finishedWithin = (m: string, b: BatchTiming, withinS: number) =>
      value(m, 's', b.finishedAfterIngestS, `≤ ${withinS} s`, b.finishedAfterIngestS <= withinS);
    return {
      metrics: [
        finishedWithin(
          '400 normal during a 20k campaign: ingest → finished',
          fair.normal,
          NORMAL_WITHIN_S,
        ),
        finishedWithin(
          '300 high, ingested at the same time: ingest → finished',
          fair.high,
          HIGH_WITHIN_S,
        ),
        value(
          `weights 3:1 over ${weightSeconds} s: share of the weight-3 batch`,
          'fraction',
          share,
          `${WEIGHT_SHARE} ± ${WEIGHT_TOLERANCE}`,
          Math.abs(share - WEIGHT_SHARE) <= WEIGHT_TOLERANCE,
        ),
        value(
          `low batch behind a normal campaign: its share over ${lowSeconds} s`,
          'fraction',
          low.lowShare,
          '> 0 (design 1/21 ≈ 0.048)',
          low.low > 0,
        ),
        metric({
          metric: 'one batch, lanes on (chatbatch column) vs off (baseline column): throughput',
          unit: 'turns/s',
          chatbatch: on,
          baseline: off,
          target: `≥ ${NO_REGRESSION}×`,
          met: on / off >= NO_REGRESSION,
        }),
        cpuThroughputMetric(onCost, offCost, {
          metric: 'lanes on vs off: turns per worker + Redis CPU-second',
          target: NO_REGRESSION,
        }),
        ...cpuMetrics(onCost, offCost, { prefix: 'lanes on vs off: ' }),
      ],
      notes: [
        `2 chatbatch workers × concurrency 50 sharing CHATBATCH_RATE_LIMIT=${LANES_LIMIT}, simulator latency ` +
          `${LATENCY_MS} ms, a fresh prefix and fleet per phase; requests told apart by a batch label in ` +
          `their inputs (simulator log), finish times from each batch's finishedAt in the store.`,
        `Fair share: a ${CAMPAIGN.toLocaleString('en-US')}-conversation campaign (${fair.campaignRatePerSec.toFixed(0)}/s ` +
          `alone), then 15 s after its ingest began a 400-conversation normal batch and a 300-conversation ` +
          `--priority high batch ingested at once; times from each \`chatbatch ingest\` start (node start and ` +
          `the ingest, ${fair.normal.ingestSeconds.toFixed(1)} s and ${fair.high.ingestSeconds.toFixed(1)} s, ` +
          `included). From queued to finished: normal ${fair.normal.finishedAfterQueuedS.toFixed(2)} s, high ` +
          `${fair.high.finishedAfterQueuedS.toFixed(2)} s; last request after ingest start: normal ` +
          `${fair.normal.lastRequestAfterIngestS.toFixed(2)} s, high ${fair.high.lastRequestAfterIngestS.toFixed(2)} s.`,
        `Weights: two batches of ${(LANES_LIMIT * weightSeconds).toLocaleString('en-US')} (each could fill the ` +
          `limit alone), --weight 3 and 1, queued paused then resumed; ${weights.heavy} vs ${weights.light} ` +
          `requests in the first ${weightSeconds} s (${weights.ratePerSec.toFixed(0)}/s in all).`,
        `Low lane: a 1,000-conversation --priority low batch ingested 5 s into a normal campaign got ${low.low} ` +
          `of ${low.low + low.campaign} requests over the next ${lowSeconds} s.`,
        `No regression: one batch of ${regression.conversations} single-turn conversations, no latency, ` +
          `concurrency 50, warm-up first (scenario 1's setting), CHATBATCH_FAIR_LANES=on vs off for both ` +
          `ingest and worker, ${ctx.runs} round(s) alternating, medians; wall-clock turns/s swings with ` +
          `the machine's other load, turns per worker + Redis CPU-second hardly does (same target). ` +
          `Redis calls per turn: on ` +
          `${formatCalls(onCost)}; off ${formatCalls(offCost)}; the lanes' extra: ` +
          `${formatExtraCalls(onCost, offCost)}.`,
      ],
      details: { latencyMs: LATENCY_MS, limit: LANES_LIMIT, fair, weights, low, regression },
    };
  },
};
