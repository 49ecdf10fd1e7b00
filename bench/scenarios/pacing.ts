import {
  firstWindow,
  perSecond,
  windowStats,
  type Seconds,
  type WindowStats,
} from '../lib/pacing-stats.js';
import { deletePrefix, openQueue, uniquePrefix } from '../lib/redis-ns.js';
import { metric, type Metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulator, type SimProcess } from '../lib/sim.js';
import { median } from '../lib/stats.js';
import { measureWorkerRun, type RunSpec } from '../lib/worker-run.js';
import { chatbatchIngest, startWorker } from '../lib/workers.js';
import { workloadCsv } from '../lib/workload.js';

/** The setup: a vendor taking 120 req/s, a ceiling of 400/s, 4 workers × 25, ~40 ms. */
const CAPACITY = 120;
const LOWER_CAPACITY = 60;
const WORKERS = 4;
const CONCURRENCY = 25;
const RATE_LIMIT = 400;
const LATENCY_MS = 40;
/** Width of the windows a figure is averaged over, in s. */
const WINDOW_S = 5;

/** A target of the issue: accepted per second in [lo, hi], at most `maxRefused` of requests 429s. */
interface Band {
  lo: number;
  hi: number;
  maxRefused: number;
}
/** Settled at the full capacity, and once settled after the capacity fell to the lower one. */
const SETTLED: Band = { lo: 105, hi: 120, maxRefused: 0.03 };
const DROPPED: Band = { lo: 51, hi: 66, maxRefused: 0.05 };

const acceptedInBand = (w: WindowStats, b: Band) =>
  w.acceptedPerSecond >= b.lo && w.acceptedPerSecond <= b.hi;

interface Phases {
  /** Seconds at the full capacity from the queue's resume, then at the lower one, then full. */
  first: number;
  lowered: number;
  restored: number;
}

const seconds = (x: number | undefined) => (x === undefined ? null : x);

/** The three capacity phases with four worker processes; returns the per-second counts. */
async function capacityRun(ctx: ScenarioContext, sim: SimProcess, phases: Phases) {
  const prefix = uniquePrefix('pacing');
  const queue = openQueue(ctx.redis, prefix);
  const total = phases.first + phases.lowered + phases.restored;
  // More than the vendor can take in the whole run, so the vendor (not the queue) is the limit.
  const workload = { tag: 'pacing', conversations: Math.ceil(CAPACITY * total * 1.3), turns: 1 };
  const workers = [];
  try {
    await queue.pause();
    await chatbatchIngest(await workloadCsv(ctx.tmpDir, workload), 'pacing', { prefix });
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        await startWorker('chatbatch', {
          prefix,
          simUrl: sim.url,
          concurrency: CONCURRENCY,
          rateLimit: RATE_LIMIT,
          name: `chatbatch worker ${i + 1}`,
        }),
      );
    }
    await sim.setCapacity(CAPACITY);
    await sim.reset();
    const startedAt = Date.now();
    await queue.resume();
    const at = (s: number) => new Promise((r) => setTimeout(r, startedAt + s * 1000 - Date.now()));
    await at(phases.first);
    await sim.setCapacity(LOWER_CAPACITY);
    await at(phases.first + phases.lowered);
    await sim.setCapacity(CAPACITY);
    await at(total + 0.2);
    const log = await sim.log();
    return { startedAt, counts: perSecond(log, startedAt, total) };
  } finally {
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    await deletePrefix(ctx.redis, prefix);
  }
}

/** The figures of the "done when", from one run's per-second counts. */
function capacityFigures(c: Seconds, p: Phases) {
  const lowered = p.first;
  const restored = p.first + p.lowered;
  const inBand = (b: Band) => (w: WindowStats) =>
    acceptedInBand(w, b) && w.refusedShare <= b.maxRefused;
  // Settled: the first 5-s window at 105–120 accepted/s with ≤ 3% 429s.
  const settle = firstWindow(c, 0, lowered, WINDOW_S, inBand(SETTLED));
  const settled = windowStats(c, settle ?? lowered, lowered);
  const afterDrop = windowStats(c, lowered + 10 - WINDOW_S, lowered + 10);
  const dropSettle = firstWindow(c, lowered, restored, WINDOW_S, inBand(DROPPED));
  const restoredAt = firstWindow(c, restored, c.total.length, 1, (w) => w.acceptedPerSecond >= 100);
  return {
    settleSeconds: seconds(settle),
    settled,
    /** Seconds 5–10 after the capacity fell to 60. */
    afterDrop,
    /** From the change to the end of the first 5-s window in band. */
    dropSettleSeconds: dropSettle === undefined ? null : dropSettle - lowered + WINDOW_S,
    /** From the change to the first second with ≥ 100 accepted. */
    recoverSeconds: restoredAt === undefined ? null : restoredAt - restored + 1,
    lastTen: windowStats(c, c.total.length - 10, c.total.length),
    wholeRun: windowStats(c, 0, c.total.length),
  };
}

/** The pacer's cost against a vendor that never throttles: the same worker, pacing on vs off. */
async function overheadRuns(ctx: ScenarioContext) {
  const conversations = ctx.quick ? 5_000 : 20_000;
  const sim = await startSimulator({ latencyMs: 0 });
  try {
    const spec = (adaptive: 'on' | 'off'): RunSpec => ({
      impl: 'chatbatch',
      label: `pacing-${adaptive}`,
      sim,
      concurrency: 50,
      warmup: { tag: 'warm', conversations: ctx.quick ? 1_000 : 2_000, turns: 1 },
      workload: { tag: 'overhead', conversations, turns: 1 },
      tmpDir: ctx.tmpDir,
      timeoutMs: 120_000,
      env: { CHATBATCH_ADAPTIVE: adaptive },
    });
    const runs: Record<'on' | 'off', number[]> = { on: [], off: [] };
    const cpu: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let run = 0; run < ctx.runs; run++) {
      // Alternate the order so a drift in the machine's load favours neither.
      for (const adaptive of run % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const)) {
        const r = await measureWorkerRun(ctx.redis, spec(adaptive));
        ctx.log(
          `pacing overhead run ${run + 1}, adaptive ${adaptive}: ${r.turnsPerSec.toFixed(0)} turns/s, ` +
            `worker CPU ${r.workerCpuUsPerTurn.toFixed(0)} µs/turn`,
        );
        runs[adaptive].push(r.turnsPerSec);
        cpu[adaptive].push(r.workerCpuUsPerTurn);
      }
    }
    return {
      conversations,
      runs,
      cpu,
      on: median(runs.on),
      off: median(runs.off),
      cpuOn: median(cpu.on),
      cpuOff: median(cpu.off),
    };
  } finally {
    await sim.stop();
  }
}

/** A window's two figures judged against a band: accepted per second, and the share of 429s. */
function bandMetrics(when: string, w: WindowStats, b: Band): Metric[] {
  return [
    metric({
      metric: `accepted ${when}`,
      unit: 'req/s',
      chatbatch: w.acceptedPerSecond,
      baseline: null,
      target: `${b.lo} – ${b.hi}`,
      met: acceptedInBand(w, b),
    }),
    metric({
      metric: `429s ${when}`,
      unit: '% of requests',
      chatbatch: 100 * w.refusedShare,
      baseline: null,
      target: `≤ ${100 * b.maxRefused}`,
      met: w.refusedShare <= b.maxRefused,
    }),
  ];
}

const fmt = (w: { acceptedPerSecond: number; refusedShare: number }) =>
  `${w.acceptedPerSecond.toFixed(1)}/s accepted, ${(100 * w.refusedShare).toFixed(1)}% 429s`;

/** 8. Adaptive pacing against a vendor whose capacity changes. */
export const pacing: Scenario = {
  id: 'pacing',
  title: `8. Adaptive pacing: vendor capacity ${CAPACITY} → ${LOWER_CAPACITY} → ${CAPACITY} req/s, ${WORKERS} workers`,
  async run(ctx) {
    const phases: Phases = ctx.quick
      ? { first: 30, lowered: 15, restored: 25 }
      : { first: 40, lowered: 20, restored: 35 };
    const sim = await startSimulator({ latencyMs: LATENCY_MS, capacity: CAPACITY });
    let run;
    try {
      run = await capacityRun(ctx, sim, phases);
    } finally {
      await sim.stop();
    }
    const f = capacityFigures(run.counts, phases);
    const c = run.counts;
    ctx.log(`pacing accepted per second: ${c.accepted.join(' ')}`);
    ctx.log(`pacing 429s per second:     ${c.refused.join(' ')}`);
    ctx.log(
      `pacing: settled after ${f.settleSeconds ?? '–'} s (${fmt(f.settled)} from then); ` +
        `5–10 s after the drop ${fmt(f.afterDrop)}; back to ≥ 100/s ${f.recoverSeconds ?? '–'} s after the rise`,
    );
    const overhead = await overheadRuns(ctx);
    const ratio = overhead.on / overhead.off;

    const metrics: Metric[] = [
      metric({
        metric: 'time to settle at 105–120 accepted/s (≤ 3% 429s over 5 s)',
        unit: 's',
        chatbatch: f.settleSeconds,
        baseline: null,
        target: '≤ 30',
        met: f.settleSeconds !== null && f.settleSeconds <= 30,
      }),
      ...bandMetrics('once settled (capacity 120)', f.settled, SETTLED),
      ...bandMetrics('5–10 s after the capacity fell to 60', f.afterDrop, DROPPED),
      metric({
        metric: 'time to ≥ 100 accepted/s after the capacity rose to 120',
        unit: 's',
        chatbatch: f.recoverSeconds,
        baseline: null,
        target: '≤ 30',
        met: f.recoverSeconds !== null && f.recoverSeconds <= 30,
      }),
      metric({
        metric: 'throughput against a vendor that never throttles, pacing on ÷ off',
        unit: 'ratio',
        chatbatch: overhead.on,
        baseline: overhead.off,
        ratio,
        target: '≥ 0.98',
        met: ratio >= 0.98,
      }),
      metric({
        metric: 'worker CPU per turn against that vendor, pacing on vs off',
        unit: 'µs',
        chatbatch: overhead.cpuOn,
        baseline: overhead.cpuOff,
      }),
    ];
    return {
      metrics,
      notes: [
        `${WORKERS} chatbatch worker processes × concurrency ${CONCURRENCY}, CHATBATCH_RATE_LIMIT=${RATE_LIMIT}, ` +
          `simulator latency ${LATENCY_MS} ms with --capacity ${CAPACITY} (429 + Retry-After: 1 beyond it in any ` +
          `sliding second); capacity set to ${LOWER_CAPACITY} at +${phases.first} s and back to ${CAPACITY} at ` +
          `+${phases.first + phases.lowered} s (PUT /__control/capacity). Counted by the simulator per second ` +
          `from the queue's resume. Drop window: ${fmt(f.afterDrop)}; in band ${f.dropSettleSeconds ?? '–'} s after ` +
          `the drop; last 10 s ${fmt(f.lastTen)}; whole run ${fmt(f.wholeRun)}.`,
        `Overhead: ${overhead.conversations} single-turn conversations, 1 worker × concurrency 50, simulator ` +
          `without latency or capacity, CHATBATCH_ADAPTIVE on vs off, ${ctx.runs} run(s) each alternating, ` +
          `median turns/s (and worker CPU per turn, the load-independent view) in the chatbatch (on) and ` +
          `baseline (off) columns.`,
      ],
      details: { phases, counts: run.counts, figures: f, overhead },
    };
  },
};
