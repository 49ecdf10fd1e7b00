import { formatProfile, summariseProfile } from '../lib/cpuprofile.js';
import { interleaved } from '../lib/interleave.js';
import { listProfiles } from '../lib/profiles.js';
import { deletePrefix, openQueue, uniquePrefix } from '../lib/redis-ns.js';
import { metric, type Metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { median } from '../lib/stats.js';
import { chatbatchIngest, rawAddBulk, type Impl } from '../lib/workers.js';
import { workloadCsv } from '../lib/workload.js';

const MB = 1024 * 1024;
const RSS_LIMIT_MB = 256;

interface IngestRun {
  rows: number;
  seconds: number;
  rowsPerSec: number;
  peakRssMB: number;
  /** CPU of the ingest process per 1,000 rows (last sample before it exited), in ms. */
  cpuMsPer1k: number;
}

/** Loads `rows` single-turn rows with one implementation, checks the queue, deletes the keys. */
async function ingestOnce(
  ctx: ScenarioContext,
  impl: Impl,
  rows: number,
  cpuProfDir?: string,
): Promise<IngestRun> {
  const csv = await workloadCsv(ctx.tmpDir, { tag: 'ingest', conversations: rows, turns: 1 });
  const prefix = uniquePrefix(`ingest-${impl}`);
  const queue = openQueue(ctx.redis, prefix);
  try {
    const options = { prefix, trackRss: true, cpuProfDir };
    const result =
      impl === 'chatbatch'
        ? await chatbatchIngest(csv, 'ingest', options).then((r) => ({
            ...r,
            rows: r.report.accepted,
          }))
        : await rawAddBulk(csv, 'ingest', options);
    const queued = await queue.getJobCountByTypes('wait', 'prioritized');
    if (result.rows !== rows || queued !== rows) {
      throw new Error(
        `${impl} ingest: ${result.rows} rows reported, ${queued} jobs queued, expected ${rows}`,
      );
    }
    return {
      rows,
      seconds: result.seconds,
      rowsPerSec: rows / result.seconds,
      peakRssMB: result.peakRssBytes / MB,
      cpuMsPer1k: (result.cpuSeconds * 1e6) / rows,
    };
  } finally {
    await queue.close();
    await deletePrefix(ctx.redis, prefix);
  }
}

/** 4. A big CSV into the queue: speed against raw addBulk, and memory flat in the file size. */
export const ingest: Scenario = {
  id: 'ingest',
  title: '4. Ingest: CSV → queue vs raw addBulk',
  async run(ctx) {
    const [small, large] = ctx.quick ? [20_000, 100_000] : [100_000, 1_000_000];
    const bySize: Record<number, Record<Impl, IngestRun[]>> = {};
    for (const [rows, runs] of [
      [small, ctx.runs],
      [large, 1],
    ] as const) {
      await workloadCsv(ctx.tmpDir, { tag: 'ingest', conversations: rows, turns: 1 });
      bySize[rows] = await interleaved(runs, async (impl, run) => {
        const r = await ingestOnce(ctx, impl, rows);
        ctx.log(
          `ingest ${rows} rows run ${run + 1} ${impl}: ${r.rowsPerSec.toFixed(0)} rows/s ` +
            `(${r.seconds.toFixed(1)} s), peak RSS ${r.peakRssMB.toFixed(0)} MB, ` +
            `process CPU ${r.cpuMsPer1k.toFixed(0)} ms per 1k rows`,
        );
        return r;
      });
    }
    const pick = (rows: number, impl: Impl, f: (r: IngestRun) => number) =>
      median(bySize[rows]![impl].map(f));
    const rate = (rows: number, impl: Impl) => pick(rows, impl, (r) => r.rowsPerSec);
    const rss = (rows: number, impl: Impl) => pick(rows, impl, (r) => r.peakRssMB);
    const fmt = (n: number) => (n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`);
    const metrics: Metric[] = [];
    for (const rows of [large, small]) {
      metrics.push(
        metric({
          metric: `rows/s, ${fmt(rows)} rows`,
          unit: 'rows/s',
          chatbatch: rate(rows, 'chatbatch'),
          baseline: rate(rows, 'baseline'),
          target: rows === large ? '≥ 0.7× raw addBulk' : null,
          met: rows === large ? rate(rows, 'chatbatch') / rate(rows, 'baseline') >= 0.7 : null,
        }),
      );
    }
    for (const rows of [large, small]) {
      metrics.push(
        metric({
          metric: `peak RSS, ${fmt(rows)} rows`,
          unit: 'MB',
          chatbatch: rss(rows, 'chatbatch'),
          baseline: rss(rows, 'baseline'),
          target: `≤ ${RSS_LIMIT_MB} MB`,
          met: rss(rows, 'chatbatch') <= RSS_LIMIT_MB,
        }),
      );
    }
    metrics.push(
      metric({
        metric: `ingest process CPU per 1k rows, ${fmt(large)} rows`,
        unit: 'ms',
        chatbatch: pick(large, 'chatbatch', (r) => r.cpuMsPer1k),
        baseline: pick(large, 'baseline', (r) => r.cpuMsPer1k),
      }),
      metric({
        metric: `peak RSS ${fmt(large)} ÷ ${fmt(small)} (flat = 1)`,
        unit: 'ratio',
        chatbatch: rss(large, 'chatbatch') / rss(small, 'chatbatch'),
        baseline: rss(large, 'baseline') / rss(small, 'baseline'),
        ratio: null,
      }),
    );

    const details: Record<string, unknown> = { sizes: [small, large], runs: bySize };
    const notes = [
      `single-turn rows (agent_id, input, one variable); chatbatch = spawned \`chatbatch ingest --json\`, ` +
        `baseline = spawned csv-parse + Queue.addBulk in chunks of 1,000 with the same job ids; wall time of ` +
        `the process (node start included); peak RSS = VmHWM polled every 50 ms; ${ctx.runs} run(s) at ` +
        `${fmt(small)}, 1 at ${fmt(large)}.`,
    ];
    if (ctx.profileDir) {
      const before = await listProfiles(ctx.profileDir);
      // 100k rows either way: enough for the steady state to outweigh the CLI's start-up.
      const profiled = ctx.quick ? large : small;
      await ingestOnce(ctx, 'chatbatch', profiled, ctx.profileDir);
      const file = (await listProfiles(ctx.profileDir)).find((f) => !before.includes(f));
      if (file) {
        const summary = await summariseProfile(file);
        for (const line of formatProfile(summary)) ctx.log(line);
        details.profile = summary;
        notes.push(
          `CPU profile of an extra chatbatch ingest of ${fmt(profiled)} rows: ${summary.file}`,
        );
      }
    }
    return { metrics, notes, details };
  },
};
