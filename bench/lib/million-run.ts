/**
 * The long run behind `--only million`: one big batch through chatbatch workers against the
 * simulator, sampled at a fixed interval (turns/s, worker RSS, Redis memory).
 */
import { makeKeys } from '../../src/shared/keys.js';
import { createBatchStore } from '../../src/store/batch-store.js';
import { cpus } from 'node:os';
import { readCost, turnCost } from './cost.js';
import { cpuSeconds, machineTicks } from './proc-cpu.js';
import { readPeakRss, readRss, type NodeChild } from './proc.js';
import { deletePrefix, info, openQueue, uniquePrefix, unfinishedJobs } from './redis-ns.js';
import type { ScenarioContext } from './scenario.js';
import type { SimProcess } from './sim.js';
import { chatbatchIngest, startWorker } from './workers.js';
import { workloadCsv } from './workload.js';

const MB = 1024 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

export interface MillionOptions {
  conversations: number;
  workers: number;
  concurrency: number;
  sampleEveryMs: number;
  timeoutMs: number;
}

export interface MillionSample {
  /** Seconds since the queue was resumed. */
  t: number;
  /** Turns recorded so far. */
  finished: number;
  /** Recorded per second over the interval since the previous sample. */
  turnsPerSec: number;
  /** Resident set of each worker now, in MB. */
  workerRssMB: number[];
  usedMemoryMB: number;
  /**
   * Redis bytes per finished conversation, estimated mid-run: (used_memory − before the ingest −
   * the queued conversations' share) ÷ finished, a queued conversation counted at what each
   * cost right after the ingest. Exact at the end, when nothing is queued.
   */
  bytesPerFinished: number;
  /** Jobs not yet finished (queued, active, delayed). */
  backlog: number;
  /** Over the interval: worker CPU (all workers) and Redis CPU per turn, in µs. */
  workerCpuUs: number;
  redisCpuUs: number;
  /**
   * Over the interval, in cores: what the workers, Redis and the simulator used, and what the
   * whole machine was busy with. Turns/s falling while CPU per turn holds and the machine stays
   * busy means other people's processes took the cores.
   */
  ownCores: number;
  machineBusyCores: number;
}

export interface MillionResult {
  samples: MillionSample[];
  /** From resume to the last conversation recorded. */
  seconds: number;
  finished: number;
  /** `chatbatch ingest` of the whole file, in s, and what it left in Redis per conversation. */
  ingestSeconds: number;
  bytesPerQueued: number;
  /** (used_memory after every conversation finished, +1 s) − before the ingest, ÷ conversations. */
  bytesPerConversation: number;
  usedMemoryBeforeMB: number;
  usedMemoryEndMB: number;
  workerPeakRssMB: number[];
  /** SCAN + UNLINK of the run's keys afterwards, in s. */
  cleanupSeconds: number;
}

async function usedMemory(ctx: ScenarioContext): Promise<number> {
  return Number((await info(ctx.redis, 'memory')).get('used_memory'));
}

/**
 * Ingests the whole workload as one batch with the queue paused (a user's 1M-row CSV through
 * `chatbatch ingest`), starts the workers, resumes, and samples until every turn is recorded.
 * Ingest goes first, not alongside: on two shared cores it is slower than the workers, and the
 * run would measure the ingest.
 */
export async function runMillion(
  ctx: ScenarioContext,
  sim: SimProcess,
  o: MillionOptions,
): Promise<MillionResult> {
  const prefix = uniquePrefix('million');
  const queue = openQueue(ctx.redis, prefix);
  const store = createBatchStore({
    redis: ctx.redis,
    keys: makeKeys(prefix),
    now: Date.now,
    retentionSeconds: 60,
  });
  const recorded = async () => {
    const status = await store.status('million');
    if (status?.turns.failed) throw new Error(`million: ${status.turns.failed} turns failed`);
    return status?.turns.completed ?? 0;
  };
  let workers: NodeChild[] = [];
  let cleaned = false;
  /** Stops the workers and deletes the run's keys (once); returns how long the deletion took. */
  const cleanUp = async () => {
    if (cleaned) return 0;
    cleaned = true;
    await Promise.all(workers.map((w) => w.stop()));
    await queue.close();
    const t0 = performance.now();
    await deletePrefix(ctx.redis, prefix);
    const seconds = (performance.now() - t0) / 1000;
    ctx.log(`million: keys deleted in ${seconds.toFixed(1)} s`);
    return seconds;
  };
  try {
    const csv = await workloadCsv(ctx.tmpDir, {
      tag: 'million',
      conversations: o.conversations,
      turns: 1,
    });
    const usedBefore = await usedMemory(ctx);
    await queue.pause();
    ctx.log(`million: ingesting ${o.conversations.toLocaleString('en-US')} conversations …`);
    const { report, seconds: ingestSeconds } = await chatbatchIngest(csv, 'million', { prefix });
    if (report.accepted !== o.conversations)
      throw new Error(`million: ${report.accepted} accepted, expected ${o.conversations}`);
    const bytesPerQueued = ((await usedMemory(ctx)) - usedBefore) / o.conversations;
    ctx.log(
      `million: ingested in ${ingestSeconds.toFixed(0)} s, ${bytesPerQueued.toFixed(0)} B per queued conversation`,
    );
    workers = await Promise.all(
      Array.from({ length: o.workers }, (_, i) =>
        startWorker('chatbatch', {
          prefix,
          simUrl: sim.url,
          concurrency: o.concurrency,
          name: `million worker ${i + 1}`,
        }),
      ),
    );
    const meter = { redisPid: ctx.redisPid, workerPids: workers.map((w) => w.pid) };
    const cores = cpus().length;
    await sim.reset();
    let previous = {
      t: 0,
      finished: 0,
      cost: await readCost(ctx.redis, meter),
      simCpuS: await cpuSeconds(sim.pid),
      ticks: await machineTicks(),
    };
    const started = performance.now();
    await queue.resume();

    const samples: MillionSample[] = [];
    for (let k = 1; ; k++) {
      await sleep(started + k * o.sampleEveryMs - performance.now());
      const t = (performance.now() - started) / 1000;
      // The simulator forgets what it has seen, so its log does not grow with the run.
      await sim.reset();
      const [finished, rss, used, backlog, cost, simCpuS, ticks] = await Promise.all([
        recorded(),
        Promise.all(workers.map((w) => readRss(w.pid))),
        usedMemory(ctx),
        unfinishedJobs(queue),
        readCost(ctx.redis, meter),
        cpuSeconds(sim.pid),
        machineTicks(),
      ]);
      const dt = t - previous.t;
      const ownCpuS =
        cost.workerCpuS -
        previous.cost.workerCpuS +
        (cost.redisCpuS - previous.cost.redisCpuS) +
        (simCpuS - previous.simCpuS);
      const delta = finished - previous.finished;
      const interval = delta > 0 ? turnCost(previous.cost, cost, delta) : undefined;
      const queuedShare = bytesPerQueued * (o.conversations - finished);
      const sample: MillionSample = {
        t,
        finished,
        turnsPerSec: delta / dt,
        workerRssMB: rss.map((b) => (b ?? 0) / MB),
        usedMemoryMB: used / MB,
        bytesPerFinished: finished > 0 ? (used - usedBefore - queuedShare) / finished : NaN,
        backlog,
        workerCpuUs: interval?.workerCpuUs ?? NaN,
        redisCpuUs: interval?.redisCpuUs ?? NaN,
        ownCores: ownCpuS / dt,
        machineBusyCores:
          ((ticks.busy - previous.ticks.busy) / (ticks.total - previous.ticks.total)) * cores,
      };
      samples.push(sample);
      ctx.log(
        `million +${t.toFixed(0)} s: ${finished.toLocaleString('en-US')} done, ${sample.turnsPerSec.toFixed(0)} turns/s, ` +
          `worker RSS ${sample.workerRssMB.map((m) => m.toFixed(0)).join(' / ')} MB, Redis ` +
          `${sample.usedMemoryMB.toFixed(0)} MB (~${sample.bytesPerFinished.toFixed(0)} B/finished), backlog ${backlog}`,
      );
      previous = { t, finished, cost, simCpuS, ticks };
      const dead = workers.find((w) => w.child.exitCode !== null || w.child.signalCode !== null);
      if (dead) throw new Error(`${dead.name} exited:\n${dead.output().slice(-2000)}`);
      if (finished >= o.conversations) break;
      if (t * 1000 > o.timeoutMs)
        throw new Error(`million: not done within ${o.timeoutMs / 1000} s`);
    }
    const seconds = samples.at(-1)!.t;
    await sleep(1000);
    const usedEnd = await usedMemory(ctx);
    const peaks = await Promise.all(workers.map((w) => readPeakRss(w.pid)));
    const finished = await recorded();
    return {
      samples,
      seconds,
      finished,
      ingestSeconds,
      bytesPerQueued,
      bytesPerConversation: (usedEnd - usedBefore) / o.conversations,
      usedMemoryBeforeMB: usedBefore / MB,
      usedMemoryEndMB: usedEnd / MB,
      workerPeakRssMB: peaks.map((b) => (b ?? 0) / MB),
      cleanupSeconds: await cleanUp(),
    };
  } finally {
    await cleanUp();
  }
}
