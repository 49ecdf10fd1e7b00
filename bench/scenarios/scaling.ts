import { cpus } from 'node:os';
import { makeKeys } from '../../src/shared/keys.js';
import { createBatchStore } from '../../src/store/batch-store.js';
import type { NodeChild } from '../lib/proc.js';
import { cpuSeconds, machineTicks } from '../lib/proc-cpu.js';
import { deletePrefix, info, openQueue, uniquePrefix, waitDrained } from '../lib/redis-ns.js';
import { metric, type Metric, type Scenario, type ScenarioContext } from '../lib/scenario.js';
import { startSimulator, type SimProcess } from '../lib/sim.js';
import { busiestWindow } from '../lib/stats.js';
import { chatbatchIngest, startWorker, type Impl } from '../lib/workers.js';
import { enqueueBaseline, workloadCsv, type Workload } from '../lib/workload.js';

const LATENCY_MS = 100;
/** Per process: low enough that 8 processes (ideal 2,000 turns/s) fit two cores' worth of work. */
const CONCURRENCY = 25;
const COUNTS = [1, 2, 4, 8] as const;
const LIMITED_COUNTS = [2, 4, 8] as const;
/** Below the ideal of even 2 processes (500 turns/s), so the limit, not the workers, is the ceiling. */
const LIMIT = 150;

const ideal = (workers: number) => (workers * CONCURRENCY) / (LATENCY_MS / 1000);

async function startWorkers(
  impl: Impl,
  count: number,
  o: { prefix: string; simUrl: string; rateLimit?: number; from?: number },
): Promise<NodeChild[]> {
  // In parallel: eight node start-ups one after another would cost more than a measured step.
  return Promise.all(
    Array.from({ length: count }, (_, i) =>
      startWorker(impl, {
        ...o,
        concurrency: CONCURRENCY,
        name: `${impl} worker ${(o.from ?? 0) + i + 1}`,
      }),
    ),
  );
}

async function stopWorkers(workers: readonly NodeChild[]): Promise<void> {
  const codes = await Promise.all(workers.map((w) => w.stop()));
  codes.forEach((code, i) => {
    // Reported, not thrown: a throw here would hide the error that got us here.
    if (code !== 0)
      process.stderr.write(`${workers[i]!.name} exited with ${code}:\n${workers[i]!.output()}\n`);
  });
}

async function enqueue(
  ctx: ScenarioContext,
  impl: Impl,
  queue: ReturnType<typeof openQueue>,
  w: Workload,
  batchId: string,
  prefix: string,
) {
  if (impl === 'baseline') return enqueueBaseline(queue, w);
  const { report } = await chatbatchIngest(await workloadCsv(ctx.tmpDir, w), batchId, { prefix });
  if (report.turns !== w.conversations * w.turns)
    throw new Error(`chatbatch ingest accepted ${report.turns} turns, expected ${w.conversations}`);
}

interface Step {
  workers: number;
  ideal: number;
  turns: number;
  seconds: number;
  turnsPerSec: number;
  efficiency: number;
  /** Fraction of all cores busy (any process) while measured. */
  machineBusy: number;
  /** Fraction of all cores used by the workers, the simulator and Redis. */
  ownBusy: number;
  workerCpuUsPerTurn: number;
}

/**
 * Unlimited sweep of one implementation: one prefix, the pool grown 1 → 2 → 4 → 8 processes (as
 * an operator adds hosts); at each size a warm-up batch for the new processes, then a batch of
 * `seconds` × ideal single-turn conversations enqueued paused, resumed and timed until drained.
 */
async function sweep(ctx: ScenarioContext, sim: SimProcess, impl: Impl, seconds: number) {
  const prefix = uniquePrefix(`scaling-${impl}`);
  const queue = openQueue(ctx.redis, prefix);
  const workers: NodeChild[] = [];
  const steps: Step[] = [];
  const redisPid = Number((await info(ctx.redis, 'server')).get('process_id'));
  try {
    for (const count of COUNTS) {
      const added = count - workers.length;
      workers.push(
        ...(await startWorkers(impl, added, { prefix, simUrl: sim.url, from: workers.length })),
      );
      const rounds = 4; // each new process fills its slots a few times (JIT, pools)
      const warm = { tag: `warm${count}`, conversations: count * CONCURRENCY * rounds, turns: 1 };
      await enqueue(ctx, impl, queue, warm, `warm-${count}`, prefix);
      await waitDrained(queue, { timeoutMs: 60_000, what: `${impl} warm-up ×${count}` });

      const turns = ideal(count) * seconds;
      await queue.pause();
      const run = { tag: 'scale', conversations: turns, turns: 1 };
      await enqueue(ctx, impl, queue, run, `run-${count}`, prefix);
      await sim.reset();
      const pids = [...workers.map((w) => w.pid), sim.pid, redisPid];
      const cpuBefore = await Promise.all(pids.map((pid) => cpuSeconds(pid).catch(() => 0)));
      const ticksBefore = await machineTicks();
      const startedAt = Date.now();
      await queue.resume();
      const endedAt = await waitDrained(queue, { timeoutMs: 180_000, what: `${impl} ×${count}` });
      const ticksAfter = await machineTicks();
      const cpuAfter = await Promise.all(pids.map((pid) => cpuSeconds(pid).catch(() => 0)));

      const log = await sim.log();
      const answered = log.status.filter((s) => s === 200 || s === 201).length;
      if (answered !== turns)
        throw new Error(`${impl} ×${count}: ${answered} answered, expected ${turns}`);
      if (impl === 'chatbatch') {
        const store = createBatchStore({
          redis: ctx.redis,
          keys: makeKeys(prefix),
          now: Date.now,
          retentionSeconds: 60,
        });
        const completed = (await store.status(`run-${count}`))?.turns.completed;
        if (completed !== turns)
          throw new Error(`chatbatch ×${count}: ${completed} recorded, expected ${turns}`);
      }
      const s = (endedAt - startedAt) / 1000;
      const used = cpuAfter.map((c, i) => c - cpuBefore[i]!);
      const workerCpu = used.slice(0, workers.length).reduce((a, b) => a + b, 0);
      const ownCpu = used.reduce((a, b) => a + b, 0);
      const step: Step = {
        workers: count,
        ideal: ideal(count),
        turns,
        seconds: s,
        turnsPerSec: turns / s,
        efficiency: turns / s / ideal(count),
        machineBusy: (ticksAfter.busy - ticksBefore.busy) / (ticksAfter.total - ticksBefore.total),
        ownBusy: ownCpu / s / cpus().length,
        workerCpuUsPerTurn: (workerCpu * 1e6) / turns,
      };
      ctx.log(
        `scaling ${impl} ×${count}: ${step.turnsPerSec.toFixed(0)} turns/s = ${step.efficiency.toFixed(3)} of ` +
          `${step.ideal}/s (${s.toFixed(2)} s), machine CPU ${(step.machineBusy * 100).toFixed(0)}% busy ` +
          `(workers + simulator + Redis ${(step.ownBusy * 100).toFixed(0)}%), ` +
          `workers ${step.workerCpuUsPerTurn.toFixed(0)} µs/turn`,
      );
      steps.push(step);
    }
    return steps;
  } finally {
    await stopWorkers(workers);
    await queue.close();
    await deletePrefix(ctx.redis, prefix);
  }
}

/** `count` fresh processes sharing CHATBATCH_RATE_LIMIT=LIMIT, more work than the limit lets through. */
async function limitedRun(
  ctx: ScenarioContext,
  sim: SimProcess,
  impl: Impl,
  count: number,
  seconds: number,
) {
  const prefix = uniquePrefix(`scaling-rl-${impl}`);
  const queue = openQueue(ctx.redis, prefix);
  let workers: NodeChild[] = [];
  try {
    workers = await startWorkers(impl, count, { prefix, simUrl: sim.url, rateLimit: LIMIT });
    // Warm-up at the limit (1.5 s of work): fresh processes stall on start-up (JIT) and their
    // first sends bunch up; measured here apart, so the run below shows the steady state.
    await sim.reset();
    const warm = { tag: 'scale-rl-warm', conversations: LIMIT * 1.5, turns: 1 };
    await enqueue(ctx, impl, queue, warm, 'rl-warm', prefix);
    await waitDrained(queue, { timeoutMs: 60_000, what: `${impl} limited warm-up ×${count}` });
    const coldBusiest = busiestWindow((await sim.log()).receivedAt, 1000).count / LIMIT;

    await queue.pause();
    const w = { tag: 'scale-rl', conversations: Math.ceil(LIMIT * seconds * 1.5), turns: 1 };
    await enqueue(ctx, impl, queue, w, 'rl', prefix);
    await sim.reset();
    const startedAt = Date.now();
    await queue.resume();
    await new Promise((r) => setTimeout(r, seconds * 1000 + 200));
    const log = await sim.log();
    const times = log.receivedAt.filter((t) => t >= startedAt && t < startedAt + seconds * 1000);
    const busiest = busiestWindow(times, 1000);
    const perSecond = Array.from({ length: seconds }, () => 0);
    for (const t of times) perSecond[Math.floor((t - startedAt) / 1000)]!++;
    const r = {
      workers: count,
      achieved: times.length / seconds / LIMIT,
      busiest: busiest.count / LIMIT,
      busiestStartsAtMs: busiest.start - startedAt,
      perSecond,
      coldBusiest,
    };
    ctx.log(
      `scaling ${impl} ×${count} limited to ${LIMIT}/s: ${(times.length / seconds).toFixed(1)}/s, ` +
        `busiest second ${busiest.count} (from +${r.busiestStartsAtMs} ms), per second: ${perSecond.join(' ')}; ` +
        `warm-up from cold: busiest second ${(coldBusiest * LIMIT).toFixed(0)}`,
    );
    return r;
  } finally {
    await stopWorkers(workers);
    await queue.close();
    await deletePrefix(ctx.redis, prefix);
  }
}

/** 7. Does throughput grow with worker processes, and does a global limit hold at any count? */
export const scaling: Scenario = {
  id: 'scaling',
  title: `7. Scaling: 1–8 worker processes × concurrency ${CONCURRENCY}, 100 ms latency`,
  async run(ctx) {
    const seconds = ctx.quick ? 3 : 6;
    const limitedSeconds = ctx.quick ? 3 : 8;
    // --quick runs chatbatch alone; the baseline column then reads – (not run).
    const impls: Impl[] = ctx.quick ? ['chatbatch'] : ['baseline', 'chatbatch'];
    const sim = await startSimulator({ latencyMs: LATENCY_MS });
    try {
      const sweeps: Partial<Record<Impl, Step[]>> = {};
      for (const impl of impls) sweeps[impl] = await sweep(ctx, sim, impl, seconds);
      const limited: Partial<Record<Impl, Awaited<ReturnType<typeof limitedRun>>[]>> = {};
      for (const count of LIMITED_COUNTS)
        for (const impl of impls)
          (limited[impl] ??= []).push(await limitedRun(ctx, sim, impl, count, limitedSeconds));

      const at = <T extends { workers: number }>(rows: T[] | undefined, n: number) =>
        rows?.find((r) => r.workers === n);
      const metrics: Metric[] = [];
      for (const n of COUNTS) {
        const c = at(sweeps.chatbatch, n)!;
        const b = at(sweeps.baseline, n);
        const label = `${n} worker${n > 1 ? 's' : ''}`;
        metrics.push(
          metric({
            metric: `${label}: throughput`,
            unit: 'turns/s',
            chatbatch: c.turnsPerSec,
            baseline: b?.turnsPerSec ?? null,
          }),
          metric({
            metric: `${label}: ÷ ideal ${c.ideal}/s`,
            unit: 'fraction',
            chatbatch: c.efficiency,
            baseline: b?.efficiency ?? null,
          }),
          metric({
            metric: `${label}: machine CPU busy`,
            unit: 'fraction of all cores',
            chatbatch: c.machineBusy,
            baseline: b?.machineBusy ?? null,
            ratio: null,
          }),
        );
      }
      for (const n of LIMITED_COUNTS) {
        const c = at(limited.chatbatch, n)!;
        const b = at(limited.baseline, n);
        metrics.push(
          metric({
            metric: `${n} workers, limit ${LIMIT}/s: achieved ÷ limit`,
            unit: 'fraction',
            chatbatch: c.achieved,
            baseline: b?.achieved ?? null,
            ratio: null,
            target: '0.95 – 1.0',
            met: c.achieved >= 0.95 && c.achieved <= 1.0,
          }),
          metric({
            metric: `${n} workers, limit ${LIMIT}/s: busiest 1-s window ÷ limit`,
            unit: 'fraction',
            chatbatch: c.busiest,
            baseline: b?.busiest ?? null,
            ratio: null,
            target: '≤ 1.05',
            met: c.busiest <= 1.05,
          }),
        );
      }
      return {
        metrics,
        notes: [
          `Simulator latency ${LATENCY_MS} ms (no jitter); N worker processes × concurrency ${CONCURRENCY}, ` +
            `ideal = N × ${CONCURRENCY} ÷ ${LATENCY_MS / 1000} s; one pool per implementation grown 1 → 2 → 4 → 8 ` +
            `under one prefix, a warm-up batch at each size, then ${seconds} s × ideal single-turn conversations ` +
            `timed from resume to drained; one run each. "Machine CPU busy" is /proc/stat over the measured part ` +
            `(workers, simulator, Redis and anything else on the machine): near 1.0 the cores, not the workers, ` +
            `cap the rate.`,
          `Rate-limited: fresh processes sharing CHATBATCH_RATE_LIMIT=${LIMIT} (baseline: BullMQ limiter ` +
            `{max: ${LIMIT}, duration: 1000}), ${Math.ceil(LIMIT * limitedSeconds * 1.5)} conversations queued, ` +
            `arrivals at the simulator counted for ${limitedSeconds} s from resume, after a warm-up of ` +
            `${LIMIT * 1.5} conversations through the same fresh processes; busiest window = any [t, t + 1 s). ` +
            `Busiest 1-s window ÷ limit during that warm-up from cold (start-up stalls bunch sends), ` +
            `${LIMITED_COUNTS.join(' / ')} workers: ` +
            impls
              .map((i) => `${i} ${limited[i]!.map((r) => r.coldBusiest.toFixed(2)).join(' / ')}`)
              .join(', ') +
            '.' +
            (ctx.quick ? ' --quick: chatbatch only, baseline not run.' : ''),
          ...impls.map(
            (impl) =>
              `${impl}: workers + simulator + Redis used ` +
              `${sweeps[impl]!.map((r) => `${(r.ownBusy * 100).toFixed(0)}%`).join(' / ')} of the cores at ` +
              `${COUNTS.join(' / ')} workers (machine busy minus this is other load).`,
          ),
        ],
        details: {
          latencyMs: LATENCY_MS,
          concurrency: CONCURRENCY,
          limit: LIMIT,
          seconds,
          limitedSeconds,
          sweeps,
          limited,
        },
      };
    } finally {
      await sim.stop();
    }
  },
};
