import { cpus } from 'node:os';
import { halves } from '../lib/million-halves.js';
import { runMillion, type MillionResult, type MillionSample } from '../lib/million-run.js';
import { metric, type Scenario } from '../lib/scenario.js';
import { downsample } from '../lib/series.js';
import { startSimulator } from '../lib/sim.js';
import { alignColumns } from '../lib/table.js';

const LATENCY_MS = 50;
const WORKERS = 2;
const CONCURRENCY = 500;
/** How often the run is sampled (--quick: more often, as it is short). */
const SAMPLE_EVERY_MS = 10_000;
const QUICK_SAMPLE_EVERY_MS = 2_000;
/** Our bar for "flat": the fitted trend over the second half moves by at most this fraction. */
const FLAT = 0.1;
/** Rows of the printed table (the whole series is in latest.json). */
const TABLE_ROWS = 30;

const fmt = (n: number, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '–';

function table(samples: readonly MillionSample[]): string {
  const header = [
    't (s)',
    'done',
    'turns/s',
    ...Array.from({ length: WORKERS }, (_, i) => `w${i + 1} RSS MB`),
    'Redis MB',
    'B/finished (est.)',
    'backlog',
    'worker µs/turn',
    'Redis µs/turn',
    'own cores',
    'machine busy',
  ];
  const rows = downsample(samples, TABLE_ROWS).map((s) => [
    fmt(s.t),
    fmt(s.finished),
    fmt(s.turnsPerSec),
    ...s.workerRssMB.map((m) => fmt(m)),
    fmt(s.usedMemoryMB),
    fmt(s.bytesPerFinished),
    fmt(s.backlog),
    fmt(s.workerCpuUs),
    fmt(s.redisCpuUs),
    fmt(s.ownCores, 2),
    fmt(s.machineBusyCores, 2),
  ]);
  return alignColumns([header, ...rows]);
}

/**
 * Issue 18's million-conversation run (optional: `--only million`): single-turn conversations
 * through two chatbatch workers at concurrency 500 against the simulator at 50 ms, ingested in
 * chunks while the workers run; does it stay flat?
 */
export const million: Scenario = {
  id: 'million',
  title: 'Million: 1,000,000 single-turn conversations, 2 workers × 500, 50 ms',
  optional: true,
  async run(ctx) {
    const conversations = ctx.quick ? 100_000 : 1_000_000;
    const sim = await startSimulator({ latencyMs: LATENCY_MS });
    let r: MillionResult;
    try {
      r = await runMillion(ctx, sim, {
        conversations,
        workers: WORKERS,
        concurrency: CONCURRENCY,
        sampleEveryMs: ctx.quick ? QUICK_SAMPLE_EVERY_MS : SAMPLE_EVERY_MS,
        timeoutMs: 55 * 60_000,
      });
    } finally {
      await sim.stop();
    }
    const h = halves(r);
    const worstRssTrend = Math.max(...h.rssTrend);
    const medianRatio = h.turnsPerSecMedian.second / h.turnsPerSecMedian.first;
    const cpuRatio = h.cpuUsPerTurn.second / h.cpuUsPerTurn.first;
    const ideal = (WORKERS * CONCURRENCY) / (LATENCY_MS / 1000);
    const rssHalves = h.rssMB
      .map(
        (w, i) =>
          `worker ${i + 1} mean ${fmt(w.firstMean)} → ${fmt(w.secondMean)} MB, max ${fmt(w.firstMax)} → ` +
          `${fmt(w.secondMax)} MB, trend over the second half ${fmt(h.rssTrend[i]! * 100, 1)}%`,
      )
      .join('; ');
    return {
      metrics: [
        metric({
          metric: 'turns/s over the whole run',
          unit: 'turns/s',
          chatbatch: r.finished / r.seconds,
          baseline: null,
        }),
        metric({
          metric: 'turns/s, second half ÷ first half (median interval)',
          unit: 'ratio',
          chatbatch: medianRatio,
          baseline: null,
          ratio: null,
          target: `≥ ${1 - FLAT}`,
          met: medianRatio >= 1 - FLAT,
        }),
        metric({
          metric: 'worker + Redis CPU per turn, second half ÷ first half',
          unit: 'ratio',
          chatbatch: cpuRatio,
          baseline: null,
          ratio: null,
          target: `≤ ${1 + FLAT}`,
          met: cpuRatio <= 1 + FLAT,
        }),
        metric({
          metric: 'worker RSS trend within the second half (worst worker, linear fit)',
          unit: 'fraction',
          chatbatch: worstRssTrend,
          baseline: null,
          target: `≤ +${FLAT}`,
          met: worstRssTrend <= FLAT,
        }),
        metric({
          metric: 'worker peak RSS (worst worker)',
          unit: 'MB',
          chatbatch: Math.max(...r.workerPeakRssMB),
          baseline: null,
        }),
        metric({
          metric: 'Redis memory per finished conversation, at the end',
          unit: 'bytes',
          chatbatch: r.bytesPerConversation,
          baseline: null,
          target: '≤ 2048 B',
          met: r.bytesPerConversation <= 2048,
        }),
        metric({ metric: 'wall time', unit: 's', chatbatch: r.seconds, baseline: null }),
      ],
      notes: [
        `${conversations.toLocaleString('en-US')} single-turn conversations, ${WORKERS} chatbatch worker ` +
          `processes × concurrency ${CONCURRENCY} (ideal ${ideal.toLocaleString('en-US')} turns/s: far above ` +
          `what the cores allow, so this is CPU-bound), simulator latency ${LATENCY_MS} ms, no rate limit. ` +
          `No baseline: the question is whether chatbatch stays flat over a long run, not how it compares. ` +
          `Ingested before the run, as one batch with the queue paused (\`chatbatch ingest\` of a ` +
          `${conversations.toLocaleString('en-US')}-row CSV: ${fmt(r.ingestSeconds)} s, ` +
          `${fmt(r.bytesPerQueued)} B of Redis per queued conversation); ingesting alongside was tried ` +
          `and on two shared cores the ingest, slower than the workers, set the pace. Workers started, ` +
          `queue resumed, sampled every ${(ctx.quick ? QUICK_SAMPLE_EVERY_MS : SAMPLE_EVERY_MS) / 1000} s: turns recorded (batch status), each ` +
          `worker's VmRSS, Redis used_memory, worker and Redis CPU per turn over the interval, the cores ` +
          `used by the workers + Redis + simulator ("own") and by everything ("machine busy", /proc/stat; ` +
          `${cpus().length} cores). B/finished ` +
          `(est.) = (used_memory − ${fmt(r.usedMemoryBeforeMB)} MB before the ingest − unfinished × ` +
          `${fmt(r.bytesPerQueued)} B) ÷ finished. ${fmt(r.seconds)} s from resume to the last turn ` +
          `recorded; at the end ${fmt(r.usedMemoryEndMB)} MB used = ${fmt(r.bytesPerConversation)} B per ` +
          `conversation; deleting the keys afterwards took ${fmt(r.cleanupSeconds)} s.`,
        `First half vs second half (by time; the last sample, the drain, left out): turns/s over each ` +
          `half ${fmt(h.turnsPerSec.first)} → ${fmt(h.turnsPerSec.second)} ` +
          `(${fmt(h.turnsPerSec.second / h.turnsPerSec.first, 3)}), median interval ` +
          `${fmt(h.turnsPerSecMedian.first)} → ${fmt(h.turnsPerSecMedian.second)}, least-squares trend ` +
          `within the second half ${fmt(h.turnsPerSecTrend * 100, 1)}%; worker + Redis CPU per turn ` +
          `${fmt(h.cpuUsPerTurn.first)} → ${fmt(h.cpuUsPerTurn.second)} µs; ${rssHalves}; B/finished ` +
          `${fmt(h.bytesPerFinished.endOfFirst)} at mid-run → ${fmt(h.bytesPerFinished.end)} at the end. ` +
          `Single intervals swing with the machine's other load (see the table), so turns/s is ` +
          `judged on the median interval and backed by CPU per turn; "flat" = within ${FLAT * 100}% ` +
          `(our bar; the issue names none), RSS by its trend over the second half.`,
        `Over time (${Math.min(r.samples.length, TABLE_ROWS)} of ${r.samples.length} samples):\n${table(r.samples)}`,
      ],
      details: { conversations, workers: WORKERS, concurrency: CONCURRENCY, result: r, halves: h },
    };
  },
};
