import type { Redis } from 'ioredis';
import { makeKeys } from '../../src/shared/keys.js';
import { createBatchStore } from '../../src/store/batch-store.js';
import { readCost, turnCost, type TurnCost } from './cost.js';
import type { NodeChild } from './proc.js';
import { deletePrefix, openQueue, uniquePrefix, waitDrained } from './redis-ns.js';
import type { SimLog, SimProcess } from './sim.js';
import { chatbatchIngest, startWorker, type Impl } from './workers.js';
import { enqueueBaseline, workloadCsv, type Workload } from './workload.js';

export interface RunSpec {
  impl: Impl;
  /** Scenario id, part of the prefix. */
  label: string;
  sim: SimProcess;
  concurrency: number;
  /** Request starts per second across all workers; 0 = none. Default 0. */
  rateLimit?: number;
  /**
   * Processed first by the same worker process, unmeasured (JIT, connections, pool). Without
   * one the run is from cold: the batch is queued (paused), then the worker process starts, then
   * the batch is resumed.
   */
  warmup?: Workload;
  /** The measured work. */
  workload: Workload;
  /** Where workload CSVs are written. */
  tmpDir: string;
  timeoutMs: number;
  /** Profile this worker process into the folder. */
  cpuProfDir?: string;
  /** The redis-server's pid, for its CPU (see cost.ts); INFO cpu when unknown. */
  redisPid?: number;
  /** More environment for the worker and for `chatbatch ingest`. Default none. */
  env?: Record<string, string>;
  /** Runs on the fresh prefix before anything else (e.g. importing a suppression list). */
  prepare?: (prefix: string) => Promise<void>;
  /** Names the variant in messages and in the prefix. Default the implementation. */
  name?: string;
}

export interface RunResult {
  impl: Impl;
  turns: number;
  /** From resuming the queue to seeing it drained. */
  seconds: number;
  turnsPerSec: number;
  /** CPU time of the worker process per turn during the measured part, in µs. */
  workerCpuUsPerTurn: number;
  /** Worker and Redis CPU and Redis calls per turn during the measured part. */
  cost: TurnCost;
  /** The simulator's log of the measured part only. */
  log: SimLog;
  /** Epoch ms when the queue was resumed (the measured start). */
  startedAt: number;
}

async function enqueue(
  spec: RunSpec,
  w: Workload,
  batchId: string,
  prefix: string,
  queue: ReturnType<typeof openQueue>,
) {
  if (spec.impl === 'baseline') return enqueueBaseline(queue, w);
  const csv = await workloadCsv(spec.tmpDir, w);
  const { report } = await chatbatchIngest(csv, batchId, { prefix, env: spec.env });
  if (report.turns !== w.conversations * w.turns) {
    throw new Error(
      `chatbatch ingest accepted ${report.turns} turns, expected ${w.conversations * w.turns}`,
    );
  }
}

/**
 * One measured run: a fresh prefix and worker process, a warm-up batch (unless from cold), then
 * the measured batch enqueued while the queue is paused (so enqueueing is not measured), the
 * queue resumed, and the time until it is drained. Checks that every turn was answered and
 * recorded; deletes the keys.
 */
export async function measureWorkerRun(redis: Redis, spec: RunSpec): Promise<RunResult> {
  const name = spec.name ?? spec.impl;
  const prefix = uniquePrefix(`${spec.label}-${name}`);
  const queue = openQueue(redis, prefix);
  const start = () =>
    startWorker(spec.impl, {
      prefix,
      simUrl: spec.sim.url,
      concurrency: spec.concurrency,
      rateLimit: spec.rateLimit,
      cpuProfDir: spec.cpuProfDir,
      env: spec.env,
      name: `${name} worker`,
    });
  let worker: NodeChild | undefined;
  try {
    await spec.prepare?.(prefix);
    if (spec.warmup) {
      worker = await start();
      await enqueue(spec, spec.warmup, 'warm', prefix, queue);
      await waitDrained(queue, { timeoutMs: spec.timeoutMs, what: `${name} warm-up` });
    }

    await queue.pause();
    await enqueue(spec, spec.workload, 'run', prefix, queue);
    worker ??= await start();
    await spec.sim.reset();
    const meter = { redisPid: spec.redisPid, workerPids: [worker.pid] };
    const before = await readCost(redis, meter);
    const startedAt = Date.now();
    await queue.resume();
    const endedAt = await waitDrained(queue, { timeoutMs: spec.timeoutMs, what: name });
    const after = await readCost(redis, meter);
    const turns = spec.workload.conversations * spec.workload.turns;

    const log = await spec.sim.log();
    const answered = log.status.filter((s) => s === 200 || s === 201).length;
    if (answered !== turns)
      throw new Error(`${name}: ${answered} answered requests, expected ${turns}`);
    if (spec.impl === 'chatbatch') {
      const store = createBatchStore({
        redis,
        keys: makeKeys(prefix),
        now: Date.now,
        retentionSeconds: 60,
      });
      const status = await store.status('run');
      if (status?.turns.completed !== turns) {
        throw new Error(`${name}: ${status?.turns.completed} turns recorded, expected ${turns}`);
      }
    }
    const seconds = (endedAt - startedAt) / 1000;
    const cost = turnCost(before, after, turns);
    return {
      impl: spec.impl,
      turns,
      seconds,
      turnsPerSec: turns / seconds,
      workerCpuUsPerTurn: cost.workerCpuUs,
      cost,
      log,
      startedAt,
    };
  } finally {
    const code = await worker?.stop();
    await queue.close();
    await deletePrefix(redis, prefix);
    // Reported, not thrown: a throw here would hide the error that got us here.
    if (worker && code !== 0)
      process.stderr.write(
        `${worker.name} exited with ${code}:\n${worker.output().slice(-2000)}\n`,
      );
  }
}
